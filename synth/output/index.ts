export { bodyText, isDirectory, listTree, writeTree, type FileBody } from './files';
export { OutputFolder } from './folder';
export { DEFAULT_LOCK_WAIT_MS, FolderLock, type LockHolder, type LockOptions } from './lock';
export { OUTPUT_MARKER, outputLayout, type OutputLayout } from './ownership';
