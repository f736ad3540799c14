export * from './digest';
export * from './events';
export * from './issues';
export * from './periods';
export * from './routing';
export * from './summary';
export * from './templates';
