import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../cli/main';
import type { Io } from '../../cli/io';

const ROOT = path.join(__dirname, '../..');

/** The code block under "Declaring a system" in the README, as a reader would copy it. */
function readmeExample(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /## Declaring a system\n\n```ts\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no ```ts block under "## Declaring a system"');
  return block[1];
}

describe("the README's example system", () => {
  let dir: string;
  beforeAll(() => {
    // It stands in for charts/commerce.ts beside the other example systems, which it calls.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-readme-'));
    const model = path.join(ROOT, 'model');
    const place = (source: string) => source.replace(/from '\.\.\/model'/g, `from ${JSON.stringify(model)}`);
    fs.writeFileSync(path.join(dir, 'commerce.ts'), place(readmeExample()));
    for (const other of ['identity.ts', 'fulfillment.ts']) {
      fs.writeFileSync(
        path.join(dir, other),
        place(fs.readFileSync(path.join(ROOT, 'charts', other), 'utf8')),
      );
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('passes `syskit validate` in every environment, policies included', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
    const code = await main(['validate', '--systems', dir], io);
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out).toHaveLength(4);
    for (const line of out) expect(line).toMatch(/^\w+: 3 systems valid, \d+ objects, 0 policy violations$/);
  }, 120_000);
});
