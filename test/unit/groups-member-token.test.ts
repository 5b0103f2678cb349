import { callerMayActAs, mintMemberToken } from '../../shared/groups/member-token';

describe('member tokens', () => {
  it('are 256 random bits, different every time, and stored only as a hash', () => {
    const a = mintMemberToken();
    const b = mintMemberToken();
    expect(Buffer.from(a.token, 'base64url')).toHaveLength(32);
    expect(a.token).not.toBe(b.token);
    expect(JSON.stringify(a.binding)).not.toContain(a.token);
    expect(a.binding.principal).toBeUndefined();
  });

  it('let only the holder of the token act as the member', () => {
    const { token, binding } = mintMemberToken();
    expect(callerMayActAs(binding, { token })).toBe(true);
    expect(callerMayActAs(binding, {})).toBe(false);
    expect(callerMayActAs(binding, { token: '' })).toBe(false);
    expect(callerMayActAs(binding, { token: mintMemberToken().token })).toBe(false);
    expect(callerMayActAs(binding, { token: binding.tokenHash })).toBe(false);
  });

  it('bind to the principal that joined, when it joined with one', () => {
    const { token, binding } = mintMemberToken('arn:aws:iam::1:role/a');
    expect(callerMayActAs(binding, { token, principal: 'arn:aws:iam::1:role/a' })).toBe(true);
    expect(callerMayActAs(binding, { token, principal: 'arn:aws:iam::1:role/b' })).toBe(false);
    expect(callerMayActAs(binding, { token })).toBe(false);
  });

  it('never match a member without a binding (a poller)', () => {
    expect(callerMayActAs(undefined, { token: 'anything', principal: 'arn:aws:iam::1:role/a' })).toBe(false);
  });
});
