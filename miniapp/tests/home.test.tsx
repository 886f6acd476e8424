import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import * as Taro from '@tarojs/taro';
import Home from '../src/pages/home/index';
import { me, mockApi, session, setup, survey } from './helpers';

const { navigateTo, redirectTo } = Taro as unknown as { navigateTo: jest.Mock; redirectTo: jest.Mock };

describe('home page', () => {
  beforeEach(() => setup());

  it('shows the account summary with the bearer token', async () => {
    const calls = mockApi({ 'GET /me': () => me, 'GET /surveys': () => ({ items: [] }) });
    render(<Home />);
    expect(await screen.findByText('远航科技有限公司')).toBeTruthy();
    expect(screen.getByText('客户等级 一般')).toBeTruthy(); // the tier's name, never its code (`normal`)
    expect(screen.getByText('您好，王伟')).toBeTruthy();
    expect(screen.getByText('李娜')).toBeTruthy();
    expect(screen.getByText('139****0001')).toBeTruthy();
    expect(screen.getByText('处理中工单').previousSibling?.textContent).toBe('2');
    expect(screen.getByText('待您回复').previousSibling?.textContent).toBe('1');
    // contracts and receivables do not exist yet: nothing shown
    expect(screen.queryByText('合同')).toBeNull();
    expect(calls.find((c) => c.path === '/me')?.header.Authorization).toBe(`Bearer ${session.token}`);
  });

  it("names the customer's tier in the chosen language; an unknown code is shown as is", async () => {
    (Taro as unknown as { setStorageSync(k: string, v: unknown): void }).setStorageSync('crm.locale', 'en');
    mockApi({ 'GET /me': () => ({ ...me, customer: { ...me.customer, tier: 'high_value' } }), 'GET /surveys': () => ({ items: [] }) });
    const { unmount } = render(<Home />);
    expect(await screen.findByText('Tier High value')).toBeTruthy();
    unmount();
    (Taro as unknown as { setStorageSync(k: string, v: unknown): void }).setStorageSync('crm.locale', 'zh-CN');
    mockApi({ 'GET /me': () => ({ ...me, customer: { ...me.customer, tier: 'vip_2027' } }), 'GET /surveys': () => ({ items: [] }) });
    render(<Home />);
    expect(await screen.findByText('客户等级 vip_2027')).toBeTruthy();
  });

  it('shows contracts, receivables, a missing rep and a pending survey', async () => {
    mockApi({
      'GET /me': () => ({ ...me, owner: null, contracts: { active: 2, totalCents: 12345600 }, receivables: { outstandingCents: 500000, overdueCents: 0 } }),
      'GET /surveys': () => ({ items: [survey()] }),
    });
    render(<Home />);
    expect(await screen.findByText('暂未分配客户经理')).toBeTruthy();
    expect(screen.getByText('2 份生效中，合计 ¥123,456.00')).toBeTruthy();
    expect(screen.getByText('待收 ¥5,000.00，逾期 ¥0.00')).toBeTruthy();
    fireEvent.click(screen.getByText('请评价工单 T000007 的服务'));
    expect(navigateTo).toHaveBeenCalledWith({ url: '/survey/answer/index?id=5' });
  });

  it('navigates to the other pages', async () => {
    mockApi({ 'GET /me': () => me, 'GET /surveys': () => ({ items: [] }) });
    render(<Home />);
    fireEvent.click(await screen.findByRole('button', { name: '提交工单' }));
    fireEvent.click(screen.getByRole('button', { name: '我的工单' }));
    fireEvent.click(screen.getByRole('button', { name: '知识库' }));
    fireEvent.click(screen.getByRole('button', { name: '我的' }));
    expect(navigateTo.mock.calls.map((c) => c[0].url)).toEqual(['/tickets/new/index', '/tickets/list/index', '/knowledge/search/index', '/pages/profile/index']);
  });

  it('sends a visitor without a session to sign-in', async () => {
    setup({ signedIn: false });
    const calls = mockApi({});
    render(<Home />);
    await waitFor(() => expect(redirectTo).toHaveBeenCalledWith({ url: '/pages/sign-in/index' }));
    expect(calls).toHaveLength(0);
  });

  it('hands an invite link to the sign-in page', async () => {
    setup({ signedIn: false, params: { invite: 'K7P4M2QX' } });
    mockApi({});
    render(<Home />);
    await waitFor(() => expect(redirectTo).toHaveBeenCalledWith({ url: '/pages/sign-in/index?invite=K7P4M2QX' }));
  });

  it('shows an error with retry when the account cannot load', async () => {
    let fail = true;
    mockApi({ 'GET /me': () => (fail ? { status: 503, body: { error: { code: 'UNAVAILABLE', message: '服务暂不可用' } } } : me), 'GET /surveys': () => ({ items: [] }) });
    render(<Home />);
    expect(await screen.findByText('服务暂不可用')).toBeTruthy();
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: '重试' }));
    expect(await screen.findByText('远航科技有限公司')).toBeTruthy();
  });
});
