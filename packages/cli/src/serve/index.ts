export { type RunningService, startService } from './start.js';
