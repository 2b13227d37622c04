// node_http.js - "Hello, world" over Node.js's http module: the HTTP peer for wrk.
// Usage: node node_http.js PORT
const http = require('http');
const port = Number(process.argv[2]);
const body = 'Hello, world\n';
http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
  res.end(body);
}).listen(port, '127.0.0.1', 4096);
console.error(`node_http: node ${process.version}, port ${port}`);
