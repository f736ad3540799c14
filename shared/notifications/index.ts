export * from './digest';
export * from './events';
export * from './issues';
export * from './routing';
export * from './templates';
export * from './periods';
export * from './summary';
