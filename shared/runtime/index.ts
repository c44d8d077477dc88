export { mapLimit } from './mapLimit';
export * from './operations';
export * from './tick';
