import { goldenTests } from '../helpers/golden.mjs';
import { gradientTests } from '../helpers/gradcheck.mjs';
import { cases } from './reduction.grads.mjs';

goldenTests('reduction');
gradientTests('reduction', cases);
