import { toGlobalId } from '../../src/generic/global-id.js';
import { createUserWithToken } from '../../src/cli/users.command.js';
import { rootEm } from '../../src/server/orm.js';
import { Role } from '../../src/accounts/roles.js';
import type { TestServer } from './server.js';

export interface TestUser {
  id: number;
  username: string;
  /** The user's global ID. */
  globalId: string;
  token: string;
}

/** Creates a user and an API token on the test server's database, through the CLI's function. */
export async function createTestUser(t: TestServer, username: string, options: { admin?: boolean; role?: Role; name?: string } = {}): Promise<TestUser> {
  const { user, token } = await createUserWithToken(rootEm(t.server.orm).fork(), t.server.registry, {
    username,
    name: options.name,
    role: options.role ?? (options.admin ? Role.ADMIN : Role.MEMBER),
    tokenName: 'test',
  });
  return { id: user.id, username: user.username, globalId: toGlobalId('User', user.id), token };
}

/** Creates an object through the API (`create<Type>`) and returns its global ID and databaseId. */
export async function createContent(
  t: TestServer,
  token: string,
  typeName: string,
  input: Record<string, unknown>,
): Promise<{ id: string; databaseId: number | string }> {
  const res = await t.gql(`mutation($input: Create${typeName}Input!) { o: create${typeName}(input: $input) { id databaseId } }`, { input }, { token });
  if (res.errors) throw new Error(`create${typeName} failed: ${JSON.stringify(res.errors)}`);
  return res.data.o;
}

/** The codes of a result's errors. */
export function errorCodes(result: { errors?: { extensions?: { code?: string } }[] }): (string | undefined)[] {
  return (result.errors ?? []).map((e) => e.extensions?.code);
}
