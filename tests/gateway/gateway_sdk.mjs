// The image gateway driven by the official openai SDK (pinned in
// package.json), against a running picbot whose aliases point at the fake
// OpenAI Images upstreams of gateway_sdk_test.cpp. Every request and every
// answer is built and parsed by the SDK, not by our code.
// Env: GATEWAY_URL (".../v1"), GATEWAY_KEY. Arguments: [check] for the image
// checks, `chat [check]` for the chat ones, `key [check]` for keyChecks. Exits 0 when every check holds.
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

// /v1/chat/completions (the GatewayChatSdkTest picbot: llm.* points at the
// fake chat upstream, model "chat-model", whose answers hold base64 images).
const IMAGE_LINK = /!\[image\]\((http[^)\s]+\/images\/[0-9a-f]{32})\)/;

async function expectServedPng(url) {
  const image = await fetch(url);
  assert.equal(image.status, 200, url);
  assert.ok(isPng(Buffer.from(await image.arrayBuffer())), url);
}

// Every chunk of a streamed answer: the text and what the SDK received.
async function readStream(stream) {
  let text = '';
  let finish = null;
  const seen = [];
  for await (const chunk of stream) {
    seen.push(JSON.stringify(chunk));
    const choice = chunk.choices?.[0];
    if (typeof choice?.delta?.content === 'string') text += choice.delta.content;
    if (choice?.finish_reason) finish = choice.finish_reason;
  }
  return { text, finish, raw: seen.join('\n') };
}

function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

// A valid PNG of at least size bytes: a drawn one with a large tEXt chunk after its IHDR.
async function bigPng(size) {
  const png = await drawnPng();
  const ihdrEnd = 8 + 12 + png.readUInt32BE(8);
  const data = Buffer.concat([Buffer.from('Comment\0'), Buffer.alloc(size, 0x61)]);
  const typeAndData = Buffer.concat([Buffer.from('tEXt'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([png.subarray(0, ihdrEnd), length, typeAndData, crc, png.subarray(ihdrEnd)]);
}

const chatChecks = {
  async listsTheChatModel() {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    assert.ok(models.includes('picbot-image') && models.includes('chat-model'), models.join(','));
  },

  async anImageAliasAnswersALink() {
    const completion = await client.chat.completions.create({
      model: 'picbot-image', messages: [{ role: 'user', content: 'a red fox in snow' }],
    });
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.choices[0].finish_reason, 'stop');
    const link = completion.choices[0].message.content.match(IMAGE_LINK);
    assert.ok(link, completion.choices[0].message.content);
    await expectServedPng(link[1]);
  },

  async anImageAliasStreamsALink() {
    const stream = await client.chat.completions.create({
      model: 'picbot-image', stream: true, messages: [{ role: 'user', content: 'a lighthouse' }],
    });
    const { text, finish } = await readStream(stream);
    assert.equal(finish, 'stop');
    const link = text.match(IMAGE_LINK);
    assert.ok(link, text);
    await expectServedPng(link[1]);
  },

  async aForwardedAnswerHasItsImagesLinked() {
    const completion = await client.chat.completions.create({
      model: 'chat-model', messages: [{ role: 'user', content: 'draw me something' }],
    });
    assert.ok(!JSON.stringify(completion).includes('base64'), 'no base64 reaches the client');
    const content = completion.choices[0].message.content;
    assert.ok(content.startsWith('here it is'), content);
    const links = [...content.matchAll(new RegExp(IMAGE_LINK, 'g'))];
    assert.equal(links.length, 2, content);
    for (const link of links) await expectServedPng(link[1]);
  },

  async aForwardedStreamHasItsImagesLinked() {
    const stream = await client.chat.completions.create({
      model: 'chat-model', stream: true, messages: [{ role: 'user', content: 'draw me something' }],
    });
    const { text, raw } = await readStream(stream);
    assert.ok(!raw.includes('base64'), 'no base64 reaches the client');
    assert.ok(text.startsWith('here it is'), text);
    const links = [...text.matchAll(new RegExp(IMAGE_LINK, 'g'))];
    assert.equal(links.length, 2, text);
    for (const link of links) await expectServedPng(link[1]);
  },

  // A 10 MB image as a data: URL in the message is a reference of the drawing.
  async takesATenMegabyteDataUrl() {
    const big = await bigPng(10 * 1024 * 1024);
    const completion = await client.chat.completions.create({
      model: 'picbot-image',
      messages: [{
        role: 'user',
        content: [
          { type: 'text', text: 'add a hat' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${big.toString('base64')}` } },
        ],
      }],
    });
    const link = completion.choices[0].message.content.match(IMAGE_LINK);
    assert.ok(link, completion.choices[0].message.content);
  },

  async refusesAWrongKey() {
    const stranger = new OpenAI({ baseURL, apiKey: 'sk-not-a-gateway-key-000000', maxRetries: 0 });
    await expectApiError(stranger.chat.completions.create({
      model: 'picbot-image', messages: [{ role: 'user', content: 'x' }],
    }), 401, 'invalid_api_key');
    await expectApiError(stranger.chat.completions.create({
      model: 'chat-model', stream: true, messages: [{ role: 'user', content: 'x' }],
    }), 401, 'invalid_api_key');
  },

  // Reads the first chunk of a forwarded stream, then leaves (the SDK aborts
  // the request when the loop breaks).
  async leavesAForwardedStream() {
    const stream = await client.chat.completions.create({
      model: 'chat-model', stream: true, messages: [{ role: 'user', content: 'talk a lot' }],
    });
    for await (const chunk of stream) {
      if (chunk.choices?.[0]?.delta?.content === 'first') break;
    }
  },

  // The fake upstream answers 404 for it (GatewayChatSdkTest scripts that).
  async refusesAnUnknownModel() {
    await expectApiError(client.chat.completions.create({
      model: 'no-such-model', messages: [{ role: 'user', content: 'x' }],
    }), 404, 'model_not_found');
  },
};

// `key`: checks about GATEWAY_KEY itself (gateway_console_test.cpp), run only when asked.
const keyChecks = {
  // GATEWAY_KEY is not (or no longer) a key of the gateway: every call is a 401.
  async refusedWithThisKey() {
    await expectApiError(client.models.list(), 401);
    await expectApiError(client.images.generate({ model: 'picbot-image', prompt: 'x', response_format: 'b64_json' }), 401);
  },
};

const group = { chat: chatChecks, key: keyChecks }[process.argv[2]];
const suite = group ?? checks;
const only = group ? process.argv[3] : process.argv[2];
let failed = 0;
for (const [name, check] of Object.entries(suite)) {
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
