// core/environment.ts: tw.env()'s flags, as TF.js's env() answers them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

test('env(): node flags, overrides, reset, and TF.js\'s errors for unregistered flags', () => {
  const env = tw.env();
  assert.equal(env.getBool('IS_NODE'), true);
  assert.equal(env.getBool('IS_BROWSER'), false);
  assert.equal(env.getBool('IS_CHROME'), false);
  assert.equal(env.platformName, 'node');
  assert.equal(env.getBool('WRAP_TO_IMAGEBITMAP'), false);
  env.set('WRAP_TO_IMAGEBITMAP', true);
  assert.equal(env.getBool('WRAP_TO_IMAGEBITMAP'), true);
  assert.equal(env.getFlags().WRAP_TO_IMAGEBITMAP, true);
  env.reset();
  assert.equal(env.getBool('WRAP_TO_IMAGEBITMAP'), false);
  assert.throws(() => env.get('NO_SUCH_FLAG'), /Cannot evaluate flag 'NO_SUCH_FLAG': no evaluation function found/);
  assert.throws(() => env.setFlags({ NO_SUCH_FLAG: 1 }), /Cannot set flag NO_SUCH_FLAG as it has not been registered/);
});
