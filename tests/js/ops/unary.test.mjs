import { goldenTests } from '../helpers/golden.mjs';
import { gradientTests } from '../helpers/gradcheck.mjs';
import { cases } from './unary.grads.mjs';

goldenTests('unary');
gradientTests('unary', cases);
