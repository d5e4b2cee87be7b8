// sekisho exec's preload for Node.js (NODE_OPTIONS=--require): Node's https module, and so the AWS SDK for
// JavaScript v3, ignores HTTPS_PROXY, so https.Agent connections are tunnelled through the proxy with CONNECT.
'use strict';
const http = require('http');
const https = require('https');
const net = require('net');

const proxyUrl = process.env.HTTPS_PROXY || process.env.https_proxy;
if (proxyUrl && !https.Agent.prototype.__sekishoTunnel) {
  const proxy = new URL(proxyUrl);
  const noProxy = (process.env.NO_PROXY || process.env.no_proxy || '')
    .split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const bypass = (host) => {
    const h = String(host || '').toLowerCase().replace(/^\[|\]$/g, '');
    return noProxy.some((n) => n === '*' || h === n || h.endsWith(n.startsWith('.') ? n : '.' + n));
  };
  const auth = proxy.username
    ? 'Basic ' + Buffer.from(decodeURIComponent(proxy.username) + ':' + decodeURIComponent(proxy.password)).toString('base64')
    : null;
  const original = https.Agent.prototype.createConnection;
  https.Agent.prototype.__sekishoTunnel = true;
  https.Agent.prototype.createConnection = function createConnection(options, callback) {
    const host = options.host || options.hostname || 'localhost';
    const port = options.port || 443;
    if (bypass(host) || options.socket || typeof callback !== 'function') {
      return original.call(this, options, callback);
    }
    const headers = { Host: `${host}:${port}` };
    if (auth) headers['Proxy-Authorization'] = auth;
    const connect = http.request({
      host: proxy.hostname.replace(/^\[|\]$/g, ''), port: proxy.port || 80, method: 'CONNECT',
      path: `${host}:${port}`, headers, agent: false,
    });
    connect.once('connect', (res, socket, head) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        callback(new Error(`sekisho proxy: CONNECT ${host}:${port} answered ${res.statusCode}`));
        return;
      }
      if (head && head.length) socket.unshift(head);
      const servername = options.servername || (net.isIP(host) ? undefined : host);
      // The agent's own createConnection over the tunnel keeps its TLS session cache and checks.
      callback(null, original.call(this, { ...options, socket, servername }));
    });
    connect.once('error', (err) => callback(err));
    connect.end();
  };
}
