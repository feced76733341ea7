import { render, Text, Box, Transform } from 'ink';
import React from 'react';
import { PassThrough } from 'node:stream';
const stdout = new PassThrough(); stdout.columns = 100; stdout.rows = 40; stdout.resume();
const mode = process.argv[2];
function App({ n }) {
  if (mode === 'const') return React.createElement(Box, { width: 80 }, React.createElement(Text, null, 'constant'));
  if (mode === 'transform') { const shown = `line ${n}`; return React.createElement(Box, { width: 80 }, React.createElement(Transform, { transform: () => shown }, React.createElement(Text, null, ' '.repeat(80)))); }
}
const inst = render(React.createElement(App, { n: 0 }), { stdout, debug: process.argv[4] !== 'nodebug', patchConsole: false, exitOnCtrlC: false, maxFps: 0 });
global.gc?.();
const before = process.memoryUsage().heapUsed;
for (let i = 1; i <= Number(process.argv[3]); i++) inst.rerender(React.createElement(App, { n: i }));
await new Promise(r => setTimeout(r, 100));
global.gc?.();
console.log(mode, process.argv[3], process.argv[4] ?? '', 'heap growth MB', ((process.memoryUsage().heapUsed - before) / 1e6).toFixed(1));
inst.unmount();
