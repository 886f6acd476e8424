import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import * as Taro from '@tarojs/taro';
import TicketDetailPage from '../src/tickets/detail/index';
import { apiError, mockApi, setup, ticketDetail } from './helpers';
import type { TicketDetail, TimelineEntry } from '../src/api/types';

const { navigateTo } = Taro as unknown as { navigateTo: jest.Mock };

describe('ticket detail page', () => {
  beforeEach(() => setup({ params: { id: '7' } }));

  it('shows the ticket, its photos and the customer-visible timeline', async () => {
    const calls = mockApi({ 'GET /tickets/:id': () => ticketDetail() });
    render(<TicketDetailPage />);
    expect(await screen.findByText('打印机无法连接到网络，指示灯闪烁')).toBeTruthy();
    expect(calls[0].path).toBe('/tickets/7');
    expect(screen.getByText('处理人：赵客服')).toBeTruthy();
    expect(screen.getByText('状态变更为「新建」')).toBeTruthy();
    expect(screen.getByText('请重启试试')).toBeTruthy();
    expect(document.querySelector('img')?.getAttribute('src')).toBe('/mp/v1/attachments/3?exp=1&sig=abc');
    expect(screen.queryByRole('button', { name: '重新打开' })).toBeNull();
  });

  it('adds a comment and shows the refreshed timeline', async () => {
    let t = ticketDetail({ status: 'waiting_customer', statusLabel: '待客户回复' });
    const calls = mockApi({
      'GET /tickets/:id': () => t,
      'POST /tickets/:id/comments': (c) => {
        const entry: TimelineEntry = { id: 9, kind: 'comment', author: { type: 'customer', name: '王伟' }, body: (c.body as { body: string }).body, at: '2026-11-22T03:00:00.000Z' };
        t = { ...t, status: 'in_progress', statusLabel: '处理中', timeline: [...t.timeline, entry] };
        return { status: 201, body: entry };
      },
    });
    render(<TicketDetailPage />);
    fireEvent.click(await screen.findByRole('button', { name: '发送' }));
    expect(await screen.findByText('请输入内容')).toBeTruthy();
    fireEvent.change(screen.getByPlaceholderText('补充信息或回复客服'), { target: { value: '已重启，仍然不行' } });
    fireEvent.click(screen.getByRole('button', { name: '发送' }));
    expect(await screen.findByText('处理中')).toBeTruthy();
    expect(document.querySelector('.entry:last-child')?.textContent).toContain('已重启，仍然不行');
    expect((document.querySelector('textarea.comment') as HTMLTextAreaElement).value).toBe('');
    expect(calls.find((c) => c.method === 'POST')).toMatchObject({ path: '/tickets/7/comments', body: { body: '已重启，仍然不行' } });
  });

  it('reopens a resolved ticket with a reason', async () => {
    const resolved: TicketDetail = ticketDetail({ status: 'resolved', statusLabel: '已解决', canReopen: true });
    const calls = mockApi({
      'GET /tickets/:id': () => resolved,
      'POST /tickets/:id/reopen': () => ({ ...resolved, status: 'assigned', statusLabel: '已分配', canReopen: false }),
    });
    render(<TicketDetailPage />);
    fireEvent.click(await screen.findByRole('button', { name: '重新打开' }));
    fireEvent.click(screen.getByRole('button', { name: '确定' }));
    expect(await screen.findByText('请说明重新打开的原因')).toBeTruthy();
    fireEvent.change(document.querySelector('textarea.reason')!, { target: { value: '问题又出现了' } });
    fireEvent.click(screen.getByRole('button', { name: '确定' }));
    expect(await screen.findByText('已分配')).toBeTruthy();
    expect(calls.find((c) => c.path === '/tickets/7/reopen')?.body).toEqual({ reason: '问题又出现了' });
    expect(screen.queryByRole('button', { name: '重新打开' })).toBeNull();
  });

  it('explains that the reopen window has passed', async () => {
    mockApi({
      'GET /tickets/:id': () => ticketDetail({ status: 'resolved', statusLabel: '已解决', canReopen: true }),
      'POST /tickets/:id/reopen': () => apiError(422, 'EXPIRED', 'expired'),
    });
    render(<TicketDetailPage />);
    fireEvent.click(await screen.findByRole('button', { name: '重新打开' }));
    fireEvent.change(document.querySelector('textarea.reason')!, { target: { value: '再次故障' } });
    fireEvent.click(screen.getByRole('button', { name: '确定' }));
    expect(await screen.findByText('已超过 7 天，无法重新打开，请提交新工单')).toBeTruthy();
  });

  it('offers the pending survey and hides the comment box on a closed ticket', async () => {
    mockApi({ 'GET /tickets/:id': () => ticketDetail({ status: 'closed', statusLabel: '已关闭', survey: { id: 5, kind: 'csat', status: 'pending' } }) });
    render(<TicketDetailPage />);
    fireEvent.click(await screen.findByRole('button', { name: '评价本次服务' }));
    expect(navigateTo).toHaveBeenCalledWith({ url: '/survey/answer/index?id=5' });
    expect(screen.getByText('工单已关闭')).toBeTruthy();
    expect(screen.queryByRole('button', { name: '发送' })).toBeNull();
  });

  it("shows not-found for another customer's ticket", async () => {
    setup({ params: { id: '999' } });
    mockApi({ 'GET /tickets/:id': () => apiError(404, 'NOT_FOUND', '工单不存在') });
    render(<TicketDetailPage />);
    expect(await screen.findByText('工单不存在')).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole('button', { name: '发送' })).toBeNull());
  });
});
