import { createHmac, timingSafeEqual } from 'node:crypto';
import Router, { type RouterMiddleware } from '@koa/router';
import type Koa from 'koa';
import multer, { type File } from '@koa/multer';
import { consumeOrRefuse, sharedRateLimiter } from '../http/rate-limit';
import type { Actor, CoreContext } from '../../core/context';
import { AppError } from '../../core/errors';
import { parseInput } from '../../core/validation';
import { resolveSessionSecret, verifySession, encodeToken, revokeSession, type CustomerSession } from '../../core/mp/session';
import { accountSummary, bindIdentity, getProfile, redeemInvite, signInWithIdentity, updateProfile, type SignInResult } from '../../core/mp/operations';
import {
  bindBody,
  commentBody,
  feedbackBody,
  inviteBody,
  kbSearchQuery,
  loginBody,
  newTicketBody,
  profileBody,
  reopenBody,
  surveyAnswerBody,
  surveyListQuery,
  ticketListQuery,
  type MpClient,
  type MpMeta,
  type MpProfile,
  type MpSession,
  type MpTicketDetail,
  type ProfileDto,
} from '../../core/mp/schemas';
import type { TicketDetailDto } from '../../core/tickets/schemas';
import { addAttachments, createTicket, commentTicket, reopenTicket, readAttachment } from '../../core/tickets/operations';
import { getTicket, listTickets } from '../../core/tickets/queries';
import { IMAGE_TYPES, MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES, type AttachmentStorage, type NewAttachment } from '../../core/tickets/storage';
import { PRIORITY_LABELS, TICKET_TYPES, TICKET_TYPE_LABELS } from '../../core/tickets/rules';
import { answerSurvey, getSurvey, listSurveys } from '../../core/surveys/operations';
import { articleFeedback, getArticle, searchArticles } from '../../core/knowledge/operations';
import { jsonBody, type RouterFactory } from '../app';
import { buildOpenApiDocument } from '../api/openapi';
import { MP_INFO, MP_OPERATIONS } from './operations';
import { requestLocale } from '../http/errors';
import { diskStorage } from './disk-storage';
import { pathId as sharedPathId } from '../api/params';
import { inputError, textProblem } from '../../core/shared/input';
import { identityResolver, type IdentityResolver } from './identity';

/** The mini-program API, /mp/v1 (contract: server/mp/CONTRACT.md). Thin: validate, one core call, map. */
export interface MpRouterOptions {
  storage?: AttachmentStorage;
  identity?: IdentityResolver;
  /** Requests per minute: sign-in per IP (default 20), authenticated per session (default 120). */
  limits?: { signInPerMinute?: number; sessionPerMinute?: number };
}

interface MpState {
  actor: Actor & { kind: 'customer' };
  session: CustomerSession;
  core: CoreContext;
}

const ATTACHMENT_URL_TTL_S = 3600;
// Request bodies and queries are the schemas of core/mp/schemas.ts (built once: zod compiles each on first use).

function invalidId(field: string): never {
  throw new AppError('NOT_FOUND', { field });
}
/** The `:id` of an /mp/v1 path, named as `field`: the one path-id rule (server/api/params.ts), 404 when out of range. */
const pathId = (ctx: { params: Record<string, string | undefined> }, field: string): number => sharedPathId(ctx.params.id, field);

const consume = consumeOrRefuse;

function multerError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  const code = (e as { code?: string }).code;
  if (code === 'LIMIT_FILE_SIZE') return new AppError('PAYLOAD_TOO_LARGE', { field: 'photos', detail: { 'zh-CN': '单张图片不能超过 5 MB', en: 'Each photo must be at most 5 MB' } });
  if (code === 'LIMIT_FILE_COUNT' || code === 'LIMIT_UNEXPECTED_FILE') return new AppError('VALIDATION', { field: 'photos', detail: { 'zh-CN': `最多上传 ${MAX_ATTACHMENTS} 张图片`, en: `At most ${MAX_ATTACHMENTS} photos` } });
  return new AppError('VALIDATION', { field: 'body', detail: { 'zh-CN': '上传内容无效', en: 'Invalid upload' } });
}

export function mpRouter(opts: MpRouterOptions = {}): RouterFactory {
  return async (deps) => {
    const { core, config } = deps;
    const secret = await resolveSessionSecret(core, config.mpSessionSecret);
    const storage = opts.storage ?? diskStorage(config.uploadDir);
    const identity = opts.identity ?? identityResolver(config);
    // CRM_MP_SIGNIN_RPM / CRM_MP_SESSION_RPM override the defaults (the bench raises the per-session one). Shared by
    // every process (server/http/rate-limit.ts).
    const signInLimiter = sharedRateLimiter(deps, { keyPrefix: 'mp-signin', points: opts.limits?.signInPerMinute ?? config.mp.signInPerMinute, duration: 60 });
    const sessionLimiter = sharedRateLimiter(deps, { keyPrefix: 'mp-session', points: opts.limits?.sessionPerMinute ?? config.mp.sessionPerMinute, duration: 60 });
    const upload = multer({
      storage: multer.memoryStorage(),
      // Browsers and mini-program runtimes send file names as UTF-8 (busboy's default, latin1, garbled Chinese names).
      defParamCharset: 'utf8',
      limits: { fileSize: MAX_ATTACHMENT_BYTES, files: MAX_ATTACHMENTS, fields: 10, fieldSize: 20_000 },
      fileFilter: (_req, file, cb) =>
        // Some mini-program runtimes send application/octet-stream; the core then types the file by its bytes.
        [...IMAGE_TYPES, 'application/octet-stream'].includes(file.mimetype)
          ? cb(null, true)
          : cb(new AppError('UNSUPPORTED_MEDIA', { field: 'photos', detail: { 'zh-CN': '只支持 JPEG、PNG、WebP、GIF 图片', en: 'Only JPEG, PNG, WebP and GIF images' } })),
    }).array('photos', MAX_ATTACHMENTS);

    const sign = (body: string) => createHmac('sha256', secret).update(body).digest('base64url');
    const attachmentUrl = (id: number) => {
      const exp = Math.floor(core.clock.now().getTime() / 1000) + ATTACHMENT_URL_TTL_S;
      return `/mp/v1/attachments/${id}?exp=${exp}&sig=${sign(`att.${id}.${exp}`)}`;
    };
    const withUrls = (t: TicketDetailDto): MpTicketDetail => ({ ...t, attachments: t.attachments.map((a) => ({ ...a, url: attachmentUrl(a.id) })) });
    const localCore = (ctx: Koa.Context): CoreContext => {
      const locale = requestLocale(ctx, config.locale);
      return locale === core.locale ? core : { ...core, locale };
    };
    const sessionBody = (r: SignInResult): MpSession => ({
      token: encodeToken(secret, r.session.sessionId, r.session.expiresAt),
      expiresAt: r.session.expiresAt.toISOString(),
      customer: r.customer,
      contact: r.contact,
    });

    const router = new Router<MpState>({ prefix: '/mp/v1' });

    /** The multipart `photos`, in memory (the core stores them only with a valid ticket). */
    const receivePhotos = async (ctx: Koa.ParameterizedContext<MpState>): Promise<NewAttachment[]> => {
      try {
        await upload(ctx, async () => undefined);
      } catch (e) {
        throw multerError(e);
      }
      const files = (ctx as { files?: File[] }).files ?? [];
      // A file name is text the core stores: the same policy as every field (255 characters at most).
      files.forEach((f, i) => {
        const p = textProblem(f.originalname, 255);
        if (p) throw inputError(`photos[${i}].name`, p);
      });
      return files.map((f) => ({ name: f.originalname, mime: f.mimetype, data: f.buffer }));
    };

    const ipLimit: RouterMiddleware<MpState> = async (ctx, next) => {
      await consume(signInLimiter, `ip:${ctx.ip}`);
      await next();
    };

    const auth: RouterMiddleware<MpState> = async (ctx, next) => {
      const m = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
      if (!m) throw new AppError('UNAUTHENTICATED', { data: { reason: 'missing_token' } });
      const session = await verifySession(core, secret, m[1]);
      await consume(sessionLimiter, `s:${session.sessionId}`);
      ctx.state.session = session;
      ctx.state.actor = { kind: 'customer', contactId: session.contactId, customerId: session.customerId };
      ctx.state.core = localCore(ctx);
      await next();
    };

    // The document of this API, built from MP_OPERATIONS (server/mp/operations.ts) on first request.
    let doc: Record<string, unknown> | null = null;
    router.get('/openapi.json', (ctx) => {
      ctx.body = doc ??= buildOpenApiDocument(MP_OPERATIONS, MP_INFO);
    });

    router.get('/meta', (ctx) => {
      const locale = requestLocale(ctx, config.locale);
      const meta: MpMeta = {
        ticketTypes: TICKET_TYPES.map((v) => ({ value: v, label: TICKET_TYPE_LABELS[v][locale] })),
        priorities: (['normal', 'high'] as const).map((v) => ({ value: v, label: PRIORITY_LABELS[v][locale] })),
        upload: { maxFiles: MAX_ATTACHMENTS, maxBytes: MAX_ATTACHMENT_BYTES, mimeTypes: [...IMAGE_TYPES] },
      };
      ctx.body = meta;
    });

    // ---- sign-in
    router.post('/auth/invite', ipLimit, jsonBody(), async (ctx) => {
      const body = parseInput(inviteBody, ctx.request.body);
      let idn: { provider: 'wechat' | 'lark'; subject: string } | null = null;
      if (body.wechatCode) idn = { provider: 'wechat', subject: await identity.wechat(body.wechatCode) };
      else if (body.larkCode) idn = { provider: 'lark', subject: await identity.lark(body.larkCode) };
      try {
        ctx.body = sessionBody(await redeemInvite(localCore(ctx), { code: body.code, client: body.client }, idn));
      } catch (e) {
        // Guessing codes costs double: a wrong code eats an extra point of the IP's budget.
        if (e instanceof AppError && e.code === 'NOT_FOUND') await signInLimiter.penalty(`ip:${ctx.ip}`, 1);
        throw e;
      }
    });
    for (const provider of ['wechat', 'lark'] as const) {
      router.post(`/auth/${provider}`, ipLimit, jsonBody(), async (ctx) => {
        const body = parseInput(loginBody, ctx.request.body);
        const subject = await identity[provider](body.code);
        const client: MpClient = body.client ?? (provider === 'wechat' ? 'weapp' : 'lark');
        ctx.body = sessionBody(await signInWithIdentity(localCore(ctx), provider, subject, client));
      });
    }
    router.post('/auth/bind', auth, jsonBody(), async (ctx) => {
      const body = parseInput(bindBody, ctx.request.body);
      if (!body.wechatCode === !body.larkCode) throw new AppError('VALIDATION', { field: 'wechatCode', detail: { 'zh-CN': 'wechatCode 与 larkCode 须且只能提供一个', en: 'Give exactly one of wechatCode and larkCode' } });
      const provider = body.wechatCode ? 'wechat' : 'lark';
      const subject = await identity[provider]((body.wechatCode ?? body.larkCode)!);
      await bindIdentity(ctx.state.core, ctx.state.actor, provider, subject);
      ctx.body = { bound: provider };
    });
    router.post('/auth/logout', auth, async (ctx) => {
      await revokeSession(core, ctx.state.session.sessionId);
      ctx.status = 204;
    });

    // ---- account
    router.get('/me', auth, async (ctx) => {
      ctx.body = await accountSummary(ctx.state.core, ctx.state.actor);
    });
    const withSession = (p: ProfileDto, s: CustomerSession): MpProfile => ({ ...p, session: { client: s.client, expiresAt: s.expiresAt.toISOString() } });
    router.get('/profile', auth, async (ctx) => {
      ctx.body = withSession(await getProfile(ctx.state.core, ctx.state.actor), ctx.state.session);
    });
    router.patch('/profile', auth, jsonBody(), async (ctx) => {
      const body = parseInput(profileBody, ctx.request.body ?? {});
      ctx.body = withSession(await updateProfile(ctx.state.core, ctx.state.actor, body), ctx.state.session);
    });

    // ---- tickets
    router.get('/tickets', auth, async (ctx) => {
      ctx.body = await listTickets(ctx.state.core, ctx.state.actor, parseInput(ticketListQuery, ctx.query));
    });
    // JSON or multipart; the photos are read into memory and the body validated before anything is written.
    router.post('/tickets', auth, async (ctx) => {
      let files: NewAttachment[] = [];
      if (ctx.is('multipart')) files = await receivePhotos(ctx);
      else await jsonBody()(ctx, async () => undefined);
      const body = parseInput(newTicketBody, ctx.request.body ?? {});
      const t = await createTicket(ctx.state.core, ctx.state.actor, { ...body, title: body.title || undefined }, { channel: 'mp', files, storage });
      ctx.status = 201;
      ctx.body = withUrls(t);
    });
    router.post('/tickets/:id/attachments', auth, async (ctx) => {
      const ticketId = pathId(ctx, 'ticketId');
      if (!ctx.is('multipart')) throw new AppError('UNSUPPORTED_MEDIA', { field: 'photos', detail: { 'zh-CN': '请以 multipart/form-data 上传图片', en: 'Upload photos as multipart/form-data' } });
      const files = await receivePhotos(ctx);
      ctx.status = 201;
      ctx.body = withUrls(await addAttachments(ctx.state.core, ctx.state.actor, { ticketId }, { files, storage }));
    });
    router.get('/tickets/:id', auth, async (ctx) => {
      ctx.body = withUrls(await getTicket(ctx.state.core, ctx.state.actor, pathId(ctx, 'ticketId')));
    });
    router.post('/tickets/:id/comments', auth, jsonBody(), async (ctx) => {
      const body = parseInput(commentBody, ctx.request.body);
      const ticketId = pathId(ctx, 'ticketId');
      ctx.status = 201;
      ctx.body = await commentTicket(ctx.state.core, ctx.state.actor, { ticketId, body: body.body });
    });
    router.post('/tickets/:id/reopen', auth, jsonBody(), async (ctx) => {
      const body = parseInput(reopenBody, ctx.request.body);
      ctx.body = withUrls(await reopenTicket(ctx.state.core, ctx.state.actor, { ticketId: pathId(ctx, 'ticketId'), reason: body.reason }));
    });
    // Pre-signed so <Image src> works without headers; the signature binds id and expiry.
    router.get('/attachments/:id', async (ctx) => {
      const id = pathId(ctx, 'attachmentId');
      const exp = Number(ctx.query.exp);
      const sig = String(ctx.query.sig ?? '');
      const want = Buffer.from(sign(`att.${id}.${exp}`));
      const got = Buffer.from(sig);
      if (!Number.isFinite(exp) || exp * 1000 < core.clock.now().getTime() || want.length !== got.length || !timingSafeEqual(want, got)) invalidId('attachmentId');
      const file = await readAttachment(core, { kind: 'system' }, id, storage);
      ctx.set('Content-Type', file.mime);
      ctx.set('Cache-Control', 'private, max-age=3600');
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.body = file.data;
    });

    // ---- surveys
    router.get('/surveys', auth, async (ctx) => {
      ctx.body = await listSurveys(ctx.state.core, ctx.state.actor, parseInput(surveyListQuery, ctx.query));
    });
    router.get('/surveys/:id', auth, async (ctx) => {
      ctx.body = await getSurvey(ctx.state.core, ctx.state.actor, pathId(ctx, 'surveyId'));
    });
    router.post('/surveys/:id/answer', auth, jsonBody(), async (ctx) => {
      const body = parseInput(surveyAnswerBody, ctx.request.body);
      ctx.body = await answerSurvey(ctx.state.core, ctx.state.actor, { surveyId: pathId(ctx, 'surveyId'), ...body });
    });

    // ---- knowledge base
    router.get('/kb/search', auth, async (ctx) => {
      ctx.body = await searchArticles(ctx.state.core, ctx.state.actor, parseInput(kbSearchQuery, ctx.query));
    });
    router.get('/kb/articles/:id', auth, async (ctx) => {
      ctx.body = await getArticle(ctx.state.core, ctx.state.actor, pathId(ctx, 'articleId'));
    });
    router.post('/kb/articles/:id/feedback', auth, jsonBody(), async (ctx) => {
      const body = parseInput(feedbackBody, ctx.request.body);
      ctx.body = await articleFeedback(ctx.state.core, ctx.state.actor, { articleId: pathId(ctx, 'articleId'), ...body });
    });

    return router as unknown as Router;
  };
}
