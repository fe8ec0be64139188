/** Why a reviewer rejects a prepared run: a fixed list, so rejections can be counted and reported. */
export const REJECT_REASONS = {
  'data-not-fixed': 'open items that should have been fixed before sign-off are still open',
  'figures-wrong': 'the figures do not match what finance expects (a wrong scope, unit or total)',
  incomplete: 'the run does not cover what must be certified (a window, a missing source)',
  'notes-insufficient': 'the notes do not explain the open differences well enough',
  other: 'anything else: the note says what',
} as const;

export type RejectReason = keyof typeof REJECT_REASONS;
export const REJECT_REASON_CODES = Object.keys(REJECT_REASONS) as RejectReason[];
