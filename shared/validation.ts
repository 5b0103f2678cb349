/**
 * The one way Sluice code uses zod: the tree-shakable functional API of `zod/mini`, with
 * zod's English error messages switched on (`zod/mini` has none by default and would only
 * say "Invalid input"). Full `zod` weighs ~445 KiB in a Lambda bundle; this keeps only the
 * schemas and checks actually used.
 *
 * Import it as a namespace so esbuild can drop what is unused:
 *
 * @example
 * import * as z from '../validation';
 * const schema = z.object({ name: z.string().check(z.minLength(1)), count: z.optional(z.int()) });
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export * from 'zod/mini';
