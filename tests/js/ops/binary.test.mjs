import { goldenTests } from '../helpers/golden.mjs';
import { gradientTests } from '../helpers/gradcheck.mjs';
import { cases } from './binary.grads.mjs';

goldenTests('binary');
gradientTests('binary', cases);
