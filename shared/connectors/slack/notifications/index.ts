export * from '../../../core/config/issues';
export * from '../../../core/events/events';
export * from './digest';
export * from './periods';
export * from './routing';
export * from './summary';
export * from './templates';
