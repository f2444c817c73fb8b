// A local S3 server for the S3 client's tests and benchmark: S3rver 3.7.1
// (pinned by package-lock.json) on 127.0.0.1, storing objects in a directory.
//
//   node --openssl-legacy-provider serve.mjs --dir DIR [--bucket NAME]... [--port N]
//
// (S3rver makes ListObjectsV2's continuation tokens with DES, which Node 17+
// has only in OpenSSL 3's legacy provider: without the flag a truncated
// listing is a 500 InternalError.)
// Creates each bucket, prints "s3rver listening on port=<port>" once it
// accepts connections (port 0, the default, picks a free one), and stops on
// SIGTERM or SIGINT. Started again with the same --dir it serves the objects
// stored before. S3rver accepts any signature (see tests/s3/README.md).
import S3rver from 's3rver';

const args = process.argv.slice(2);
let directory = '';
let port = 0;
const buckets = [];
for (let i = 0; i < args.length; i += 2) {
  const [name, value] = [args[i], args[i + 1]];
  if (value === undefined) throw new Error(`${name} needs a value`);
  if (name === '--dir') directory = value;
  else if (name === '--port') port = Number(value);
  else if (name === '--bucket') buckets.push({ name: value, configs: [] });
  else throw new Error(`unknown option ${name}`);
}
if (!directory) throw new Error('--dir is required');

const server = new S3rver({
  address: '127.0.0.1',
  port,
  directory,
  silent: true,
  // Virtual-hosted requests come to <bucket>.s3.localhost (curl resolves
  // *.localhost to the loopback address); 127.0.0.1 stays path-style.
  serviceEndpoint: 'localhost',
  configureBuckets: buckets,
});
const address = await server.run();
console.log(`s3rver listening on port=${address.port}`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.close(() => process.exit(0));
  server.httpServer?.closeAllConnections?.();
  // Keep-alive connections would hold close() open; they are a client's.
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
