import { z } from 'zod';

/** RFC 5322 caps a line at 998 characters; a Message-ID longer than that cannot be real. */
export const INTERNET_MESSAGE_ID_MAX_LENGTH = 998;

// Whitespace (any Unicode space, not only ASCII) and control characters are refused: a
// Message-ID never holds them, and an id that does is usually a copy-paste with a line break.
const FORBIDDEN = /[\p{Cc}\p{White_Space}]/u;

export type InternetMessageIdCheck = { ok: true; value: string } | { ok: false; reason: string };

/**
 * Checks an internetMessageId exactly as CONTRACTS.md §6 says: it starts with `<`, ends with
 * `>`, holds an `@`, has no whitespace or control characters and is at most 998 characters.
 * Nothing is added or trimmed (no brackets for the caller); quotes, `=` and every other
 * printable character are allowed inside, because attackers use them.
 */
export function validateInternetMessageId(value: unknown): InternetMessageIdCheck {
  if (typeof value !== 'string') {
    return { ok: false, reason: 'The internetMessageId must be text, such as <abc123@contoso.com>.' };
  }
  if (value.length === 0) {
    return {
      ok: false,
      reason: 'The internetMessageId is empty. Copy the Message-ID of the message, such as <abc123@contoso.com>.',
    };
  }
  // Counted in characters (code points), as a person counts them.
  if ([...value].length > INTERNET_MESSAGE_ID_MAX_LENGTH) {
    return {
      ok: false,
      reason: `The internetMessageId is longer than ${INTERNET_MESSAGE_ID_MAX_LENGTH} characters, so it cannot be a real Message-ID. Check that you copied only the Message-ID.`,
    };
  }
  if (FORBIDDEN.test(value)) {
    return {
      ok: false,
      reason: 'The internetMessageId contains a space, line break or control character. Copy the Message-ID again without them.',
    };
  }
  if (!value.startsWith('<') || !value.endsWith('>')) {
    return {
      ok: false,
      reason: 'The internetMessageId must start with < and end with >, such as <abc123@contoso.com>. Include the angle brackets.',
    };
  }
  if (!value.includes('@')) {
    return {
      ok: false,
      reason: 'The internetMessageId must contain an @, such as <abc123@contoso.com>.',
    };
  }
  return { ok: true, value };
}

export function isInternetMessageId(value: unknown): value is string {
  return validateInternetMessageId(value).ok;
}

/** The zod face of {@link validateInternetMessageId}; its message is the same sentence. */
export const internetMessageIdSchema = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'The internetMessageId is missing. Give the Message-ID of the message, such as <abc123@contoso.com>.'
        : 'The internetMessageId must be text, such as <abc123@contoso.com>.',
  })
  .superRefine((value, ctx) => {
    const check = validateInternetMessageId(value);
    if (!check.ok) ctx.addIssue({ code: 'custom', message: check.reason });
  })
  .meta({
    description:
      'RFC 5322 Message-ID, exactly as in the message: starts with <, ends with >, holds an @, no whitespace or control characters, at most 998 characters.',
    examples: ['<CAF=xyz+abc@mail.gmail.com>'],
  });
