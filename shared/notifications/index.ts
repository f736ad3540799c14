export * from './digest';
export * from './events';
export * from './issues';
export * from './routing';
export * from './templates';
