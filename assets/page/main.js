// main.js: the page's entry point: the one module with a side effect.
import { start } from './app.js';

start();
