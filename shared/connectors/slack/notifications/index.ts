export * from './digest';
export * from './periods';
export * from './render-notification';
export * from './routing';
export * from './summary';
export * from './template-validation';
export * from './templates';
