/** A small "sample" tag for runs of the bundled sample job, shown wherever runs appear. */
export function SampleBadge({ sample }: { sample: boolean }) {
  if (!sample) return null;
  return (
    <span className="tag tag--sample" title="A run of the bundled sample job">
      sample
    </span>
  );
}
