// node_echo.js - echo server on Node.js's net module: a bench peer.
// Usage: node node_echo.js PORT
const net = require('net');
const port = Number(process.argv[2]);
net.createServer({ noDelay: true }, (s) => {
  s.on('error', () => {});
  s.pipe(s);   // echo with back-pressure
}).listen({ port, host: '127.0.0.1', backlog: 4096 });
console.error(`node_echo: node ${process.version}, port ${port}`);
