/** @tarojs/components as plain DOM: View→div, Text→span, inputs whose onInput passes {detail: {value}}. */
import type { ReactNode } from 'react';

type Common = { children?: ReactNode; className?: string; onClick?: () => void; role?: string; 'aria-label'?: string };

export function View({ children, className, onClick, role, ...rest }: Common) {
  return (
    <div className={className} onClick={onClick} role={role} aria-label={rest['aria-label']}>
      {children}
    </div>
  );
}

export function Text({ children, className, onClick, ...rest }: Common) {
  return (
    <span className={className} onClick={onClick} aria-label={rest['aria-label']}>
      {children}
    </span>
  );
}

export function Button({ children, className, onClick, disabled }: Common & { disabled?: boolean }) {
  return (
    <button type='button' className={className} onClick={onClick} disabled={disabled}>
      {children}
    </button>
  );
}

type InputProps = {
  value?: string;
  placeholder?: string;
  className?: string;
  maxlength?: number;
  onInput?: (e: { detail: { value: string } }) => void;
  onConfirm?: (e: { detail: { value: string } }) => void;
  [k: string]: unknown;
};

export function Input({ value, placeholder, className, onInput, onConfirm }: InputProps) {
  return (
    <input
      className={className}
      value={value ?? ''}
      placeholder={placeholder}
      onChange={(e) => onInput?.({ detail: { value: e.target.value } })}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onConfirm?.({ detail: { value: (e.target as HTMLInputElement).value } });
      }}
    />
  );
}

export function Textarea({ value, placeholder, className, onInput }: InputProps) {
  return <textarea className={className} value={value ?? ''} placeholder={placeholder} onChange={(e) => onInput?.({ detail: { value: e.target.value } })} />;
}

export function Image({ src, className, onClick }: { src: string; className?: string; mode?: string; onClick?: () => void }) {
  return <img className={className} src={src} onClick={onClick} alt='' />;
}
