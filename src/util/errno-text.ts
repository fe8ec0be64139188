/** Why the file system refused, in words, by error code (a code not listed is shown as it is). */
export const ERRNO_WHY: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file is too large for its file system',
  EIO: 'the device reported an input/output error',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOENT: 'its folder cannot be created or written there',
  ENOTDIR: 'part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  ENXIO: 'it is a socket or a device with nothing behind it',
};

/** A code and its words, when it has some: 'ENOSPC: the disk is full', 'EIO'. */
export function errnoText(code: string, why: string | undefined = ERRNO_WHY[code]): string {
  return why ? `${code}: ${why}` : code;
}
