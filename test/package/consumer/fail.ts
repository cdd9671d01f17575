// A Thread target that throws: its error must be reported, and (with Thread results) kept.
export default function fail(): never {
  throw new RangeError('consumer: this target fails on purpose');
}
