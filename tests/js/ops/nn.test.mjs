import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { goldenTests } from '../helpers/golden.mjs';
import { gradientTests } from '../helpers/gradcheck.mjs';
import { cases } from './nn.grads.mjs';
import { assertOpError } from './shape.errors.mjs';

goldenTests('nn');
gradientTests('nn', cases);
