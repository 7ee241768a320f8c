// Registers the CPU backend: always available, synchronous, the reference for every op.
import { getEngine } from '../../core/engine.js';
import { CpuBackend } from './backend.js';

getEngine().registerBackend('cpu', () => new CpuBackend(), 1);
