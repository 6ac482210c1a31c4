// analyzer/instrument: from the StateAlyzr report to a middlebox that exports and
// imports exactly its state (DESIGN §4): hooks, updated bits, generated serializers.
export { buildMiddlebox, analyzeForBuild, RUNTIME_DIR, WRAPPED_RECEIVES } from './build.js';
export type { BuildOptions, BuildReport, TransferredVar } from './build.js';
export { planMarks, SYNC_WAITS, type MarkPlan, type MarkSite } from './marks.js';
export { SerializerGen, UnmovableError, RESOURCE_TYPES } from './serialize.js';
export { applyEdits, placeBefore, SourceFile, type Edit } from './locate.js';
