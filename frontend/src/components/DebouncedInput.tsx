/**
 * A text input that reports its value after the user pauses typing (or at once on Enter/blur),
 * and follows `value` when it changes from outside (back navigation, a reset) without fighting
 * the user's own typing.
 */
import { useEffect, useRef, useState, type InputHTMLAttributes } from "react";

interface Props extends Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange"> {
  value: string;
  onCommit: (value: string) => void;
  delayMs?: number;
}

export function DebouncedInput({ value, onCommit, delayMs = 350, onBlur, onKeyDown, ...rest }: Props) {
  const [draft, setDraft] = useState(value);
  const [seen, setSeen] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  // An outside change of `value` replaces the draft (render-time sync, as React recommends).
  if (value !== seen) {
    setSeen(value);
    setDraft(value);
  }

  const clear = () => {
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = null;
  };
  useEffect(() => clear, []);

  const commit = (next: string) => {
    clear();
    if (next !== value) onCommit(next);
  };

  return (
    <input
      {...rest}
      value={draft}
      onChange={(e) => {
        const next = e.target.value;
        setDraft(next);
        clear();
        timer.current = setTimeout(() => {
          commit(next);
        }, delayMs);
      }}
      onBlur={(e) => {
        commit(draft);
        onBlur?.(e);
      }}
      onKeyDown={(e) => {
        if (e.key === "Enter") commit(draft);
        onKeyDown?.(e);
      }}
    />
  );
}
