/**
 * `notion.documents.import` and `notion.documents.resync`: the document library (a page import, a
 * re-sync), paced with the syncs of the same group. One handler: runDocumentsMessage tells them apart.
 */
import { TajoError } from '../../../core/errors';
import { runDocumentsMessage } from '../documents/documents';
import { pageReaderOf } from '../documents/import';
import type { JobHandler, LaneMessageOf } from './job';
import { runPaced } from './outcomes';

type DocumentsMessage = LaneMessageOf<'notion.documents.import' | 'notion.documents.resync'>;

export const documentsJob: JobHandler<DocumentsMessage> = async ({ deps, conn, message, opts, ctx, keepSpacing }) => {
  const { documents, imported } = deps;
  if (!documents || !imported) {
    throw new TajoError('the document library is not wired into this worker', 'bad_setup');
  }
  const notion = pageReaderOf(ctx.notion);
  const { runs, lane, clock, log } = deps;
  return runPaced(keepSpacing, () =>
    runDocumentsMessage(
      { conn, notion, notionStats: ctx.stats.notion, documents, imported, runs, lane, clock, log },
      message,
      opts,
    ),
  );
};
