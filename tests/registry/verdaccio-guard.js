// Preloaded into the test registry (node --require). Verdaccio 9's stage tarball
// route sets Content-Length from a stream event that can fire after the body has
// started (@verdaccio/api build/stage.js, the CONTENT_LENGTH listener): the throw
// (ERR_HTTP_HEADERS_SENT) is uncaught and the whole registry exits mid-test, which
// then fails whatever test runs next. That one error is logged and survived; any
// other uncaught error still ends the process as before.
'use strict';
process.on('uncaughtException', (err) => {
  if (err && err.code === 'ERR_HTTP_HEADERS_SENT') {
    console.error('verdaccio-guard: survived ERR_HTTP_HEADERS_SENT (Verdaccio 9 stage tarball race):',
      err.stack);
    return;
  }
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
