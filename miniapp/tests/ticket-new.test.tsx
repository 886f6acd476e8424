import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import * as Taro from '@tarojs/taro';
import NewTicket from '../src/tickets/new/index';
import { apiError, meta, mockApi, session, setup, ticketDetail } from './helpers';

const T = Taro as unknown as { redirectTo: jest.Mock; navigateTo: jest.Mock; chooseImage: jest.Mock; uploadFile: jest.Mock; showToast: jest.Mock };

const describeIt = (text: string) => fireEvent.change(screen.getByPlaceholderText('请详细描述您遇到的问题'), { target: { value: text } });

describe('new ticket page', () => {
  beforeEach(() => setup());

  it('names the missing fields and sends nothing', async () => {
    const calls = mockApi({ 'GET /meta': () => meta });
    render(<NewTicket />);
    await screen.findByText('技术支持');
    fireEvent.click(screen.getByRole('button', { name: '提交' }));
    expect(await screen.findByText('请选择工单类型')).toBeTruthy();
    expect(screen.getByText('请描述您的问题')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  it('files a ticket as JSON and opens it', async () => {
    const calls = mockApi({ 'GET /meta': () => meta, 'GET /kb/search': () => ({ items: [] }), 'POST /tickets': () => ({ status: 201, body: ticketDetail({ id: 41 }) }) });
    render(<NewTicket />);
    fireEvent.click(await screen.findByText('维修'));
    fireEvent.click(screen.getByText('紧急'));
    describeIt('  打印机卡纸  ');
    fireEvent.click(screen.getByRole('button', { name: '提交' }));
    await waitFor(() => expect(T.redirectTo).toHaveBeenCalledWith({ url: '/tickets/detail/index?id=41' }));
    const post = calls.find((c) => c.method === 'POST');
    expect(post).toMatchObject({ path: '/tickets', body: { type: 'repair', description: '打印机卡纸', priority: 'high' } });
    expect(post?.header.Authorization).toBe(`Bearer ${session.token}`);
  });

  it('suggests knowledge articles while the customer types', async () => {
    jest.useFakeTimers();
    try {
      const calls = mockApi({ 'GET /meta': () => meta, 'GET /kb/search': (c) => ({ items: [{ id: 3, title: `关于「${c.query.q}」的文章`, snippet: '', category: null, tags: [], score: 1 }] }) });
      render(<NewTicket />);
      describeIt('打');
      describeIt('打印');
      describeIt('打印机');
      await act(async () => {
        jest.advanceTimersByTime(500);
      });
      expect(await screen.findByText('关于「打印机」的文章')).toBeTruthy();
      expect(calls.filter((c) => c.path === '/kb/search')).toHaveLength(1); // debounced
      fireEvent.click(screen.getByText('关于「打印机」的文章'));
      expect(T.navigateTo).toHaveBeenCalledWith({ url: '/knowledge/article/index?id=3&q=%E6%89%93%E5%8D%B0%E6%9C%BA' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('uploads the first photo with the ticket and the next one to its attachments on WeChat', async () => {
    process.env.TARO_ENV = 'weapp';
    mockApi({ 'GET /meta': () => meta, 'GET /kb/search': () => ({ items: [] }) });
    T.chooseImage.mockResolvedValue({ tempFilePaths: ['wxfile://tmp/a.jpg', 'wxfile://tmp/b.jpg'], tempFiles: [] });
    const photo = (id: number) => ({ id, name: `${id}.jpg`, mime: 'image/jpeg', size: 10, url: `/mp/v1/attachments/${id}` });
    T.uploadFile
      .mockResolvedValueOnce({ statusCode: 201, data: JSON.stringify(ticketDetail({ id: 42, attachments: [photo(1)] })) })
      .mockResolvedValueOnce({ statusCode: 201, data: JSON.stringify(ticketDetail({ id: 42, attachments: [photo(1), photo(2)] })) });
    render(<NewTicket />);
    fireEvent.click(await screen.findByText('投诉'));
    describeIt('服务太慢');
    fireEvent.click(screen.getByText('+ 添加图片'));
    await waitFor(() => expect(screen.getAllByText('删除')).toHaveLength(2));
    fireEvent.click(screen.getByRole('button', { name: '提交' }));
    await waitFor(() => expect(T.redirectTo).toHaveBeenCalledWith({ url: '/tickets/detail/index?id=42' }));
    expect(T.uploadFile).toHaveBeenNthCalledWith(
      1,
      expect.objectContaining({
        url: '/mp/v1/tickets',
        filePath: 'wxfile://tmp/a.jpg',
        name: 'photos',
        formData: { type: 'complaint', description: '服务太慢', priority: 'normal' },
        header: expect.objectContaining({ Authorization: `Bearer ${session.token}` }),
      }),
    );
    expect(T.uploadFile).toHaveBeenNthCalledWith(2, expect.objectContaining({ url: '/mp/v1/tickets/42/attachments', filePath: 'wxfile://tmp/b.jpg', name: 'photos' }));
    expect(T.showToast).toHaveBeenCalledWith({ title: '工单已提交', icon: 'success' });
  });

  it('still opens the ticket when a further photo fails, and says so', async () => {
    process.env.TARO_ENV = 'lark';
    mockApi({ 'GET /meta': () => meta, 'GET /kb/search': () => ({ items: [] }) });
    T.chooseImage.mockResolvedValue({ tempFilePaths: ['ttfile://a.jpg', 'ttfile://b.jpg'] });
    T.uploadFile
      .mockResolvedValueOnce({ statusCode: 201, data: ticketDetail({ id: 44, attachments: [{ id: 1, name: 'a.jpg', mime: 'image/jpeg', size: 1, url: '/x' }] }) })
      .mockResolvedValueOnce({ statusCode: 413, data: JSON.stringify({ error: { code: 'PAYLOAD_TOO_LARGE', message: '图片过大', field: 'photos' } }) });
    render(<NewTicket />);
    fireEvent.click(await screen.findByText('维修'));
    describeIt('屏幕碎了');
    fireEvent.click(screen.getByText('+ 添加图片'));
    await waitFor(() => expect(screen.getAllByText('删除')).toHaveLength(2));
    fireEvent.click(screen.getByRole('button', { name: '提交' }));
    await waitFor(() => expect(T.redirectTo).toHaveBeenCalledWith({ url: '/tickets/detail/index?id=44' }));
    expect(T.showToast).toHaveBeenCalledWith({ title: '工单已提交，1 张图片未能上传', icon: 'none' });
  });

  it('sends every photo in one multipart request on H5', async () => {
    const sent: { url: string; form: FormData }[] = [];
    const realFetch = (globalThis as { fetch?: unknown }).fetch;
    (globalThis as { fetch?: unknown }).fetch = jest.fn(async (url: string, init?: { body?: FormData }) => {
      if (url.startsWith('blob:')) return { blob: async () => new Blob(['img'], { type: 'image/png' }) };
      sent.push({ url, form: init!.body! });
      return { status: 201, text: async () => JSON.stringify(ticketDetail({ id: 43 })) };
    });
    try {
      mockApi({ 'GET /meta': () => meta, 'GET /kb/search': () => ({ items: [] }) });
      T.chooseImage.mockResolvedValue({ tempFilePaths: ['blob:a', 'blob:b'] });
      render(<NewTicket />);
      fireEvent.click(await screen.findByText('退换货'));
      describeIt('尺码不对');
      fireEvent.click(screen.getByText('+ 添加图片'));
      await waitFor(() => expect(screen.getAllByText('删除')).toHaveLength(2));
      fireEvent.click(screen.getByRole('button', { name: '提交' }));
      await waitFor(() => expect(T.redirectTo).toHaveBeenCalledWith({ url: '/tickets/detail/index?id=43' }));
      expect(sent[0].url).toBe('/mp/v1/tickets');
      expect(sent[0].form.get('type')).toBe('return');
      expect(sent[0].form.getAll('photos')).toHaveLength(2);
    } finally {
      (globalThis as { fetch?: unknown }).fetch = realFetch;
    }
  });

  it('shows the server validation message under its field', async () => {
    mockApi({ 'GET /meta': () => meta, 'GET /kb/search': () => ({ items: [] }), 'POST /tickets': () => apiError(400, 'VALIDATION', '问题描述过短', 'description') });
    render(<NewTicket />);
    fireEvent.click(await screen.findByText('咨询'));
    describeIt('？');
    fireEvent.click(screen.getByRole('button', { name: '提交' }));
    expect(await screen.findByText('问题描述过短')).toBeTruthy();
    expect(T.redirectTo).not.toHaveBeenCalled();
  });
});
