import { fireEvent, render, screen } from '@testing-library/react';
import SurveyPage from '../src/survey/answer/index';
import { apiError, mockApi, setup, survey } from './helpers';
import type { Survey } from '../src/api/types';

const answered = (s: Survey, score: number, comment?: string): Survey => ({ ...s, status: 'answered', answer: { score, comment: comment ?? null, answeredAt: '2026-11-22T05:00:00.000Z' } });

describe('survey page', () => {
  beforeEach(() => setup({ params: { id: '5' } }));

  it('needs a score, then sends stars and comment', async () => {
    const calls = mockApi({
      'GET /surveys/:id': () => survey(),
      'POST /surveys/:id/answer': (c) => answered(survey(), (c.body as { score: number }).score, (c.body as { comment?: string }).comment),
    });
    render(<SurveyPage />);
    expect(await screen.findByText('您对本次服务满意吗？')).toBeTruthy();
    expect(screen.getAllByLabelText(/^star-/)).toHaveLength(5);
    fireEvent.click(screen.getByRole('button', { name: '提交' }));
    expect(await screen.findByText('请选择评分')).toBeTruthy();
    fireEvent.click(screen.getByLabelText('star-2'));
    expect(screen.getAllByText('★')).toHaveLength(2);
    fireEvent.change(document.querySelector('textarea')!, { target: { value: '响应太慢' } });
    fireEvent.click(screen.getByRole('button', { name: '提交' }));
    expect(await screen.findByText('感谢您的评价！')).toBeTruthy();
    expect(screen.getByText('您的评分：2')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')).toMatchObject({ path: '/surveys/5/answer', body: { score: 2, comment: '响应太慢' } });
  });

  it('offers the 0–10 scale for NPS and sends no empty comment', async () => {
    const nps = survey({ kind: 'nps', ticket: null, question: '您有多大可能推荐我们？', scale: { min: 0, max: 10 } });
    const calls = mockApi({ 'GET /surveys/:id': () => nps, 'POST /surveys/:id/answer': () => answered(nps, 9) });
    render(<SurveyPage />);
    expect(await screen.findByText('您有多大可能向朋友或同事推荐我们？')).toBeTruthy();
    expect(screen.getAllByLabelText(/^nps-/).map((e) => e.textContent)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    fireEvent.click(screen.getByLabelText('nps-9'));
    fireEvent.click(screen.getByRole('button', { name: '提交' }));
    expect(await screen.findByText('您的评分：9')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ score: 9 });
  });

  it('shows the recorded answer when it was already answered elsewhere', async () => {
    let done = false;
    mockApi({
      'GET /surveys/:id': () => (done ? answered(survey(), 5) : survey()),
      'POST /surveys/:id/answer': () => {
        done = true;
        return apiError(409, 'ALREADY_DONE', '已评价');
      },
    });
    render(<SurveyPage />);
    fireEvent.click(await screen.findByLabelText('star-4'));
    fireEvent.click(screen.getByRole('button', { name: '提交' }));
    expect(await screen.findByText('您的评分：5')).toBeTruthy();
  });

  it('says when a survey has expired', async () => {
    mockApi({ 'GET /surveys/:id': () => survey({ status: 'expired' }) });
    render(<SurveyPage />);
    expect(await screen.findByText('该评价已过期')).toBeTruthy();
    expect(screen.queryByRole('button', { name: '提交' })).toBeNull();
  });
});
