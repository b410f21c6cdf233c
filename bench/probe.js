// Loaded with `node --require bench/probe.js ...`: when the process exits, writes the modules it
// loaded, its CPU time and its peak memory as JSON to the file named by SYSKIT_PROBE_OUT. The
// CLI benchmark and the start-up tests read it; nothing else loads this file.
const fs = require('node:fs');

const out = process.env.SYSKIT_PROBE_OUT;
if (out) {
  process.on('exit', () => {
    const cpu = process.cpuUsage();
    fs.writeFileSync(
      out,
      JSON.stringify({
        cpuMs: (cpu.user + cpu.system) / 1000,
        maxRssMb: process.resourceUsage().maxRSS / 1024,
        modules: Object.keys(require.cache),
      }),
    );
  });
}
