// The image gateway driven by the official openai SDK (pinned in
// package.json), against a running picbot whose aliases point at the fake
// OpenAI Images upstreams of gateway_sdk_test.cpp. Every request and every
// answer is built and parsed by the SDK, not by our code.
// Env: GATEWAY_URL (".../v1"), GATEWAY_KEY. Exits 0 when every check holds.
import assert from 'node:assert/strict';
import OpenAI, { toFile } from 'openai';

const baseURL = process.env.GATEWAY_URL;
const apiKey = process.env.GATEWAY_KEY;
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function isPng(bytes) {
  return bytes.subarray(0, 8).equals(PNG_SIGNATURE);
}

// A valid PNG to upload: the one the fake upstream drew for us first.
async function drawnPng() {
  const result = await client.images.generate({ model: 'picbot-image', prompt: 'a source image', response_format: 'b64_json' });
  return Buffer.from(result.data[0].b64_json, 'base64');
}

// Awaits promise, which must fail with an APIError of status (and code).
async function expectApiError(promise, status, code) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof OpenAI.APIError, `an APIError, not ${error}`);
    assert.equal(error.status, status, `status of ${error.message}`);
    if (code !== undefined) assert.equal(error.code, code, `code of ${error.message}`);
    assert.equal(typeof error.error?.message, 'string', 'OpenAI error shape');
    assert.ok(!JSON.stringify(error.error).includes('sk-'), 'no key in the error');
    return error;
  }
  assert.fail(`expected HTTP ${status}`);
}

const checks = {
  async listsTheModelAliases() {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    assert.ok(models.includes('picbot-image'), models.join(','));
  },

  async generatesBase64() {
    const result = await client.images.generate({
      model: 'picbot-image', prompt: 'a lighthouse', n: 1, size: '1024x1024', quality: 'high', response_format: 'b64_json',
    });
    assert.equal(typeof result.created, 'number');
    assert.equal(result.data.length, 1);
    assert.ok(isPng(Buffer.from(result.data[0].b64_json, 'base64')));
    assert.equal(typeof result.data[0].revised_prompt, 'string');
  },

  // The default answer is a link to picbot's /images/<id>, which serves the PNG.
  async generatesALinkToTheStoredImage() {
    for (const request of [{ response_format: 'url' }, {}]) {
      const result = await client.images.generate({ model: 'picbot-image', prompt: 'a link', ...request });
      const url = result.data[0].url;
      assert.match(url, /\/images\/[0-9a-f]{32}$/);
      assert.equal(result.data[0].b64_json, undefined);
      const image = await fetch(url);
      assert.equal(image.status, 200);
      assert.ok(isPng(Buffer.from(await image.arrayBuffer())));
    }
  },

  // PicGate's JSON edits: the image given as a link to this picbot's own store, read without HTTP.
  async editsByJsonWithAnOwnImageLink() {
    const drawn = await client.images.generate({ model: 'picbot-image', prompt: 'a source', response_format: 'url' });
    const result = await client.post('/images/edits', {
      body: { model: 'picbot-image', prompt: 'add a hat', image: [drawn.data[0].url], response_format: 'b64_json' },
    });
    assert.ok(isPng(Buffer.from(result.data[0].b64_json, 'base64')));
    await expectApiError(client.post('/images/edits', {
      body: { model: 'picbot-image', prompt: 'x', image: 'https://example.com/a.png' },
    }), 400, 'external_image_fetch_disabled');
  },

  async generatesSeveralImages() {
    const result = await client.images.generate({ model: 'picbot-image', prompt: 'three cats', n: 3, response_format: 'b64_json' });
    assert.equal(result.data.length, 3);
    for (const image of result.data) assert.ok(isPng(Buffer.from(image.b64_json, 'base64')));
  },

  async editsAnUploadedPng() {
    const png = await drawnPng();
    const result = await client.images.edit({
      model: 'picbot-image',
      image: await toFile(png, 'source.png', { type: 'image/png' }),
      prompt: 'add a hat',
      response_format: 'b64_json',
    });
    assert.ok(isPng(Buffer.from(result.data[0].b64_json, 'base64')));
  },

  async editsSeveralUploadedImages() {
    const png = await drawnPng();
    const result = await client.images.edit({
      model: 'picbot-image',
      image: [await toFile(png, 'a.png', { type: 'image/png' }), await toFile(png, 'b.png', { type: 'image/png' })],
      prompt: 'merge them',
      response_format: 'b64_json',
    });
    assert.equal(result.data.length, 1);
  },

  async refusesAWrongKey() {
    const stranger = new OpenAI({ baseURL, apiKey: 'sk-not-a-gateway-key-000000', maxRetries: 0 });
    await expectApiError(stranger.images.generate({ model: 'picbot-image', prompt: 'x' }), 401, 'invalid_api_key');
  },

  async refusesAnUnknownModel() {
    await expectApiError(client.images.generate({ model: 'dall-e-9', prompt: 'x', response_format: 'b64_json' }), 404,
      'model_not_found');
  },

  async refusesABadParameter() {
    const error = await expectApiError(client.images.generate({ model: 'picbot-image', prompt: 'x', n: 9 }), 400);
    assert.equal(error.param, 'n');
  },

  async refusesAnOversizedUpload() {
    const big = Buffer.alloc(3 * 1024 * 1024, 1);
    PNG_SIGNATURE.copy(big);
    await expectApiError(client.images.edit({
      model: 'picbot-image', image: await toFile(big, 'big.png', { type: 'image/png' }), prompt: 'x',
    }), 413, 'request_too_large');
  },

  async servesFiftyRequestsAtOnce() {
    const all = await Promise.all(Array.from({ length: 50 }, (_, i) => client.images.generate({
      model: 'picbot-image', prompt: `picture ${i}`, response_format: 'b64_json',
    })));
    assert.equal(all.length, 50);
    for (const result of all) assert.ok(isPng(Buffer.from(result.data[0].b64_json, 'base64')));
  },

  // The failure matrix of the fake OpenAI upstream: never a 200, never its body.
  async mapsEveryUpstreamFailure() {
    await expectApiError(client.images.generate({ model: 'fail-500', prompt: 'x', response_format: 'b64_json' }), 502, 'upstream_error');
    await expectApiError(client.images.generate({ model: 'fail-401', prompt: 'x', response_format: 'b64_json' }), 502, 'upstream_error');
    await expectApiError(client.images.generate({ model: 'fail-400', prompt: 'x', response_format: 'b64_json' }), 400, 'upstream_bad_request');
    await expectApiError(client.images.generate({ model: 'fail-policy', prompt: 'x', response_format: 'b64_json' }), 400,
      'content_policy_violation');
    const limited = await expectApiError(
      client.images.generate({ model: 'fail-429', prompt: 'x', response_format: 'b64_json' }), 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1, 'Retry-After');
    await expectApiError(client.images.generate({ model: 'fail-hang', prompt: 'x', response_format: 'b64_json' }), 504,
      'upstream_timeout');
  },
};

const only = process.argv[2];
let failed = 0;
for (const [name, check] of Object.entries(checks)) {
  if (only && name !== only) continue;
  try {
    await check();
    console.log(`ok ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAILED ${name}: ${error.stack ?? error}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
