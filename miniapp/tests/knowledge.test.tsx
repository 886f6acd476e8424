import { fireEvent, render, screen } from '@testing-library/react';
import * as Taro from '@tarojs/taro';
import KnowledgeSearch from '../src/knowledge/search/index';
import ArticlePage from '../src/knowledge/article/index';
import { article, mockApi, setup } from './helpers';

const { navigateTo } = Taro as unknown as { navigateTo: jest.Mock };
const hit = { id: 3, title: '打印机无法连接怎么办', snippet: '检查网线…', category: '故障排查', tags: ['打印机'], score: 0.8 };

describe('knowledge search page', () => {
  beforeEach(() => setup());

  it('asks for a query, searches and opens an article', async () => {
    const calls = mockApi({ 'GET /kb/search': () => ({ items: [hit] }) });
    render(<KnowledgeSearch />);
    fireEvent.click(screen.getByRole('button', { name: '搜索' }));
    expect(await screen.findByText('请输入搜索内容')).toBeTruthy();
    expect(calls).toHaveLength(0);
    fireEvent.change(screen.getByPlaceholderText('搜索问题，如“打印机无法连接”'), { target: { value: '打印机' } });
    fireEvent.click(screen.getByRole('button', { name: '搜索' }));
    expect(await screen.findByText('打印机无法连接怎么办')).toBeTruthy();
    expect(calls[0].query).toEqual({ q: '打印机', limit: '20' });
    fireEvent.click(screen.getByText('打印机无法连接怎么办'));
    expect(navigateTo).toHaveBeenCalledWith({ url: '/knowledge/article/index?id=3&q=%E6%89%93%E5%8D%B0%E6%9C%BA' });
  });

  it('searches the query of the link at once and says when nothing matches', async () => {
    setup({ params: { q: encodeURIComponent('发票') } }); // page params arrive as written in the URL
    const calls = mockApi({ 'GET /kb/search': () => ({ items: [] }) });
    render(<KnowledgeSearch />);
    expect(await screen.findByText('没有找到相关文章')).toBeTruthy();
    expect(calls[0].query.q).toBe('发票');
  });
});

describe('article page', () => {
  beforeEach(() => setup({ params: { id: '3', q: '打印机' } }));

  it('shows the article and records feedback', async () => {
    const calls = mockApi({
      'GET /kb/articles/:id': () => article,
      'POST /kb/articles/:id/feedback': () => ({ helpful: { yes: 3, no: 2 }, myFeedback: false }),
    });
    render(<ArticlePage />);
    expect(await screen.findByText('打印机无法连接怎么办')).toBeTruthy();
    expect(screen.getByText('1. 检查网线')).toBeTruthy();
    expect(screen.getByText('#打印机')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: '否 (1)' }));
    expect(await screen.findByRole('button', { name: '否 (2)' })).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')).toMatchObject({ path: '/kb/articles/3/feedback', body: { helpful: false, query: '打印机' } });
    fireEvent.click(screen.getByRole('button', { name: '仍需帮助？提交工单' }));
    expect(navigateTo).toHaveBeenCalledWith({ url: '/tickets/new/index' });
  });
});
