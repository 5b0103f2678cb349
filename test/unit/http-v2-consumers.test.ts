import { acceptedFormat } from '../../shared/http/routes/v2-consumers';

describe("a v2 read's Accept header", () => {
  it.each([
    ['application/vnd.kafka.json.v2+json', 'json'],
    ['application/vnd.kafka.binary.v2+json', 'binary'],
    // As Confluent's resource weighs its methods: the plain v2 type, JSON, wildcards and none mean binary.
    ['application/vnd.kafka.v2+json', 'binary'],
    ['application/json', 'binary'],
    ['*/*', 'binary'],
    [undefined, 'binary'],
    ['application/vnd.kafka.binary.v2+json; q=0.9, application/vnd.kafka.json.v2+json', 'json'],
    ['application/vnd.kafka.avro.v2+json', undefined],
    ['text/plain', undefined],
  ] as const)('%s asks for %s', (accept, format) => {
    expect(acceptedFormat(accept)).toBe(format);
  });
});
