/**
 * Pulumi's progress arrives in chunks that need not end at a line. When several stacks run at
 * once their output interleaves, so each line is passed on whole, prefixed with its stack's part.
 * Call `flush` when the stack is done, for a last line without a newline.
 */
export function prefixLines(
  prefix: string,
  onOutput: (text: string) => void,
): { write: (text: string) => void; flush: () => void } {
  let pending = '';
  return {
    write(text) {
      const lines = (pending + text).split('\n');
      pending = lines.pop()!;
      for (const line of lines) onOutput(`${prefix}${line}\n`);
    },
    flush() {
      if (pending) onOutput(`${prefix}${pending}\n`);
      pending = '';
    },
  };
}
