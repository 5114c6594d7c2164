import '@testing-library/jest-dom';

// jsdom has no layout, so no ResizeObserver; Fluent's MessageBar measures itself with one.
// Nothing is ever resized in jsdom, so an observer that never calls back is the faithful stand-in.
class NoLayoutResizeObserver {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}
if (typeof window !== 'undefined' && !('ResizeObserver' in window)) {
  Object.defineProperty(window, 'ResizeObserver', { value: NoLayoutResizeObserver, configurable: true, writable: true });
}

// Fluent renders are heavy in jsdom and this machine is shared: wait longer before a findBy gives
// up, and give each test room. Assertions are unchanged; only patience is.
import { configure } from '@testing-library/react';
configure({ asyncUtilTimeout: 5000 });
jest.setTimeout(30000);
