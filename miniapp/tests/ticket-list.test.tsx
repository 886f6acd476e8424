import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import * as Taro from '@tarojs/taro';
import TicketList from '../src/tickets/list/index';
import { mockApi, setup, ticketSummary } from './helpers';

const { navigateTo } = Taro as unknown as { navigateTo: jest.Mock };

describe('ticket list page', () => {
  beforeEach(() => setup());

  it('lists tickets and opens one', async () => {
    const calls = mockApi({ 'GET /tickets': () => ({ items: [ticketSummary(9, { status: 'waiting_customer', statusLabel: '待客户回复' }), ticketSummary(8)], nextCursor: null }) });
    render(<TicketList />);
    expect(await screen.findByText('打印机无法连接 9')).toBeTruthy();
    expect(screen.getByText('待客户回复')).toBeTruthy();
    expect(calls[0].query).toEqual({ status: 'all', limit: '20' });
    fireEvent.click(screen.getByText('打印机无法连接 8'));
    expect(navigateTo).toHaveBeenCalledWith({ url: '/tickets/detail/index?id=8' });
    expect(screen.queryByRole('button', { name: '加载更多' })).toBeNull();
  });

  it('filters by status and pages with the cursor', async () => {
    const calls = mockApi({
      'GET /tickets': (c) =>
        c.query.cursor ? { items: [ticketSummary(1)], nextCursor: null } : { items: [ticketSummary(c.query.status === 'open' ? 3 : 2)], nextCursor: '2' },
    });
    render(<TicketList />);
    await screen.findByText('打印机无法连接 2');
    fireEvent.click(screen.getByText('处理中'));
    expect(await screen.findByText('打印机无法连接 3')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: '加载更多' }));
    expect(await screen.findByText('打印机无法连接 1')).toBeTruthy();
    expect(calls.map((c) => c.query)).toEqual([
      { status: 'all', limit: '20' },
      { status: 'open', limit: '20' },
      { status: 'open', limit: '20', cursor: '2' },
    ]);
    await waitFor(() => expect(screen.queryByRole('button', { name: '加载更多' })).toBeNull());
  });

  it('starts on the filter given in the link and shows an empty state', async () => {
    setup({ params: { status: 'closed' } });
    const calls = mockApi({ 'GET /tickets': () => ({ items: [], nextCursor: null }) });
    render(<TicketList />);
    expect(await screen.findByText('暂无工单')).toBeTruthy();
    expect(calls[0].query.status).toBe('closed');
  });
});
