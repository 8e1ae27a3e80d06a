// Preloaded into the test registry (node --require). Verdaccio 9's stage tarball
// route sets Content-Length from a stream event that can fire after the body has
// started (@verdaccio/api build/stage.js, the CONTENT_LENGTH listener). Node then
// throws ERR_HTTP_HEADERS_SENT from setHeader, uncaught; Verdaccio's own
// uncaughtException handler logs "please report" and exits, mid-test (CI saw it
// end stage_flow.sh and crash.sh under the sanitizer build). So a header set after
// the headers went out is dropped, with a line in the log, instead of throwing:
// the body was already being streamed, so nothing the client gets changes. Any
// other error still ends the process as before.
'use strict';
const http = require('http');
const setHeader = http.ServerResponse.prototype.setHeader;
http.ServerResponse.prototype.setHeader = function guardedSetHeader(name, value) {
  if (this.headersSent) {
    console.error(`verdaccio-guard: dropped header ${name} set after the headers were sent ` +
      '(Verdaccio 9 stage tarball race)');
    return this;
  }
  return setHeader.call(this, name, value);
};
process.on('uncaughtException', (err) => {
  if (err && err.code === 'ERR_HTTP_HEADERS_SENT') {
    console.error('verdaccio-guard: survived ERR_HTTP_HEADERS_SENT (Verdaccio 9 stage tarball race):',
      err.stack);
    return;
  }
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
