import {
  BREVO_UNSUBSCRIBE_TAG,
  renderEmailHtml,
  safeImageUrl,
  safeLinkUrl,
} from '../../shared/connectors/notion/content';
import { item, node, para, t } from './helpers';

const PAGE = { title: 'News' };

describe('URL sanitising', () => {
  it.each([
    'javascript:alert(1)',
    ' JaVaScRiPt:alert(1)',
    'java\tscript:alert(1)',
    'vbscript:msgbox(1)',
    'data:text/html;base64,PHNjcmlwdD4=',
    'file:///etc/passwd',
    'ftp://x.example/a',
    '//evil.example/x',
    'not a url',
    '',
  ])('refuses %j as a link', (url) => {
    expect(safeLinkUrl(url)).toBeUndefined();
  });

  it.each(['https://x.example/a?b=1', 'http://x.example', 'mailto:a@x.example'])('keeps %j', (url) => {
    expect(safeLinkUrl(url)).toBe(url);
  });

  it('makes Notion page paths absolute and accepts only https for images', () => {
    expect(safeLinkUrl('/0123abcd')).toBe('https://www.notion.so/0123abcd');
    expect(safeImageUrl('http://x.example/a.png')).toBeUndefined();
    expect(safeImageUrl('mailto:a@x.example')).toBeUndefined();
    expect(safeImageUrl('https://x.example/a.png')).toBe('https://x.example/a.png');
  });

  it('drops unsafe links from the email and keeps their text', () => {
    const { html } = renderEmailHtml(PAGE, [
      para(t('click', {}, 'javascript:alert(document.cookie)'), t(' ok', {}, 'https://x.example/?a=1&b="2"')),
    ]);
    expect(html).not.toMatch(/javascript:/i);
    expect(html).toContain('click<a href="https://x.example/?a=1&amp;b=&quot;2&quot;"');
  });
});

describe('escaping', () => {
  it('escapes every text from the page, the title and code included', () => {
    const code = node('code', { rich_text: [t('</pre><img src=x onerror=alert(1)>')], caption: [], language: 'html' });
    const { html, text } = renderEmailHtml({ title: '<script>x</script>' }, [para('<b onmouseover="x">'), code]);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<b ');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;</pre>');
    expect(html).toContain('<title>&lt;script&gt;x&lt;/script&gt;</title>');
    expect(text).toContain('<b onmouseover="x">');
  });

  it('keeps Brevo template syntax from page text inert but leaves the unsubscribe tag working', () => {
    const { html } = renderEmailHtml(PAGE, [para('Hi {{ contact.FIRSTNAME }} {% if x %}')]);
    expect(html).toContain('Hi &#123;&#123; contact.FIRSTNAME &#125;&#125; &#123;% if x %&#125;');
    expect(html.match(/\{\{/g)).toEqual(['{{']);
    expect(html).toContain(`href="${BREVO_UNSUBSCRIBE_TAG}"`);
  });
});

describe('document', () => {
  it('is a complete document with inline styles only and a 600px table container', () => {
    const { html } = renderEmailHtml(PAGE, [para('x')]);
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).not.toMatch(/<style|<link|<script|class=/i);
    expect(html).toContain('<table role="presentation" width="600"');
  });

  it('leaves the unsubscribe footer out on request', () => {
    const { html, text } = renderEmailHtml(PAGE, [para('x')], { unsubscribe: false });
    expect(html).not.toContain('unsubscribe');
    expect(text).not.toContain('unsubscribe');
  });

  it('nests lists and keeps numbering', () => {
    const { html } = renderEmailHtml(PAGE, [
      node('numbered_list_item', { rich_text: [t('three')], color: 'default', list_start_index: 3 }, [
        item('bulleted_list_item', 'inner'),
      ]),
    ]);
    expect(html).toMatch(
      /<ol start="3" style="[^"]*">\n<li style="[^"]*">three\n<ul style="[^"]*">\n<li style="[^"]*">inner<\/li>\n<\/ul><\/li>\n<\/ol>/,
    );
  });
});

describe('media and warnings', () => {
  const notionImage = () =>
    node('image', {
      type: 'file',
      file: {
        url: 'https://prod-files-secure.s3.us-west-2.amazonaws.com/a/b/c.png?X-Amz-Expires=3600',
        expiry_time: '2026-01-01T00:00:00.000Z',
      },
      caption: [t('Chart')],
    });

  it('drops a Notion-hosted image without a stored copy, with a warning', () => {
    const { html, warnings } = renderEmailHtml(PAGE, [notionImage()]);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('X-Amz');
    expect(warnings).toEqual([expect.stringMatching(/^image "Chart" \(.+\) was left out: it has no stable URL/)]);
  });

  it('uses the stored copy from fileUrl', () => {
    const { html, warnings } = renderEmailHtml(PAGE, [notionImage()], { fileUrl: () => 'https://cdn.example/c.png' });
    expect(html).toContain('<img src="https://cdn.example/c.png" alt="Chart"');
    expect(warnings).toEqual([]);
  });

  it('drops http images and turns video, pdf and embeds into links, each with a warning', () => {
    const { html, warnings } = renderEmailHtml(PAGE, [
      node('image', { type: 'external', external: { url: 'http://x.example/a.png' }, caption: [] }),
      node('video', { type: 'external', external: { url: 'https://video.example/v' }, caption: [t('Tour')] }),
      node('embed', { url: 'https://figma.example/f', caption: [] }),
      node('unsupported', { block_type: 'form' }),
    ]);
    expect(html).not.toContain('<img');
    expect(html).toContain('Video: <a href="https://video.example/v"');
    expect(html).toContain('<a href="https://figma.example/f"');
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatch(/its URL is not absolute https/);
    expect(warnings[3]).toMatch(/^form block .* was left out/);
  });

  it('renders toggles open and callouts as a tinted box with their icon', () => {
    const { html } = renderEmailHtml(PAGE, [
      node('toggle', { rich_text: [t('More')], color: 'default' }, [para('hidden in Notion')]),
      node('callout', { rich_text: [t('Note')], icon: { type: 'emoji', emoji: '⚠️' }, color: 'red_background' }),
    ]);
    expect(html).toContain('hidden in Notion');
    expect(html).toContain('background-color:#fdebec');
    expect(html).toContain('>⚠️</td>');
  });
});
