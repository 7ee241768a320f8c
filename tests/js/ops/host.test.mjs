// The host ops' goldens (tests/fixtures/ops/host.json, numpy's) on the CPU backend.
import * as tw from '../../../js/dist/tensorweb.js';
import { goldenTests } from '../helpers/golden.mjs';

tw.setBackend('cpu');

goldenTests('host');
