"""HTML pages in the styles of Chinese news sites: the article in, the page furniture out.

Every page is built here at run time from made-up text (nothing third-party): a portal
page declared GBK with a 20-link top bar, breadcrumbs, share bar, related lists,
comments, ``document.write`` ads and a footer with copyright and ICP number; a Big5
Taiwanese page; a UTF-8 page with JSON-LD; a page whose only ``<p>`` are the article's;
a mobile page of ``<section>`` s; pages with no publication date but dates in the body
and the related links. Each page knows its article (title, paragraphs in order, date,
outlet, source credit, byline) and its furniture strings, and the tests check both
ways: every paragraph exactly, no furniture in any line.
"""

from __future__ import annotations

import html
import json
import logging
import random
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import g60_reader.corpus.readers.html as html_reader
from g60_reader.corpus.fold import to_traditional
from g60_reader.corpus.model import Article, ReadError
from g60_reader.corpus.readers import extract_html, read_file
from g60_reader.corpus.readers.html import read_html

# ---------------------------------------------------------------- made-up news text

_WHO = (
    "长三角九城市",
    "市政府办公厅",
    "省科技厅",
    "与会代表",
    "区域内三百多家企业",
    "市发展改革委",
    "高新区管委会",
    "G60科创走廊联席办",
    "市人大常委会",
    "浙江大学研究团队",
)
_DID = (
    "共同签署了",
    "正式发布了",
    "研究部署了",
    "集中推进了",
    "专题审议了",
    "联合启动了",
    "认真听取了",
    "深入讨论了",
)
_WHAT = (
    "《科创走廊建设三年行动方案》",
    "产业协同发展规划",
    "5G网络建设计划",
    "人才引进“绿色通道”",
    "重大项目清单",
    "营商环境优化措施",
    "数字经济发展报告",
    "跨区域医保结算办法",
)
_MORE = (
    "总投资达3.5亿元",
    "覆盖全市12个区县",
    "预计年底前全部完成",
    "涉及企业1200余家",
    "比去年同期增长8.6%",
    "受到各方广泛关注",
    "为区域一体化提供了支撑",
    "下一步还将出台配套细则",
)
_QUOTE = (
    "“我们要把科创走廊建成创新策源地。”",
    "“这是一次务实高效的会议。”",
    "“企业最关心的是落地速度。”",
)


def sentence(rng: random.Random) -> str:
    text = f"{rng.choice(_WHO)}{rng.choice(_DID)}{rng.choice(_WHAT)}，{rng.choice(_MORE)}"
    if rng.random() < 0.3:
        text += f"。{rng.choice(_WHO)}负责人表示：{rng.choice(_QUOTE)}"
        return text
    return text + "。"


def paragraph(rng: random.Random, n: int | None = None) -> str:
    return "".join(sentence(rng) for _ in range(n or rng.randint(2, 4)))


def headline(rng: random.Random) -> str:
    return f"{rng.choice(_WHO)}{rng.choice(_DID)}{rng.choice(_WHAT)}"


def short_title(rng: random.Random) -> str:
    """A related-article title: short, no sentence end, unlike any article line."""
    what = rng.choice(_WHAT).strip("《》")
    return f"{rng.choice(_WHO)}：{what}{rng.choice(('落地', '启动', '见效'))}"


# ---------------------------------------------------------------- page furniture

NAV_LINKS = (
    "首页 新闻 国内 国际 社会 军事 财经 股票 基金 科技 手机 "
    "数码 汽车 房产 教育 健康 旅游 体育 娱乐 视频"
).split()
COPYRIGHT = "Copyright © 1996-2019 Example Corporation, All Rights Reserved 版权所有"
ICP = "京ICP证000007号"
AD = "广告位招商"
SHARE = ("分享到：", "微信", "微博", "QQ空间")
COMMENT_TEXTS = ("楼主说得太对了，支持一下！", "这个政策什么时候在我们县落地？", "已阅，点赞。")
FURNITURE_ALWAYS = (*SHARE, COPYRIGHT, "版权所有", "ICP", AD, "上一篇", "下一篇", *COMMENT_TEXTS)


def top_nav(cls: str = "top-nav") -> str:
    items = "".join(f'<li><a href="/{i}/">{t}</a></li>' for i, t in enumerate(NAV_LINKS))
    return f'<div class="{cls}"><ul class="nav-list">{items}</ul></div>\n'


def breadcrumb() -> str:
    return (
        '<div class="breadcrumb"><a href="/">首页</a> &gt; <a href="/news/">新闻</a>'
        ' &gt; <a href="/news/china/">国内</a> &gt; 正文</div>\n'
    )


def share_bar() -> str:
    return (
        '<div class="share-bar" style="float:right;margin:10px 0">分享到：'
        '<a href="javascript:void(0)" class="wx">微信</a>'
        '<a href="javascript:void(0)" class="wb">微博</a>'
        '<a href="javascript:void(0)" class="qz">QQ空间</a></div>\n'
    )


def ad_script() -> str:
    return (
        '<script type="text/javascript">document.write(\'<a href="http://ad.example.com/c?id=9"'
        f' target="_blank">{AD}</a>\');</script>\n'
    )


def related(
    titles: list[str],
    heading: str = "相关新闻",
    dates: list[str] | None = None,
    *,
    time_tags: bool = False,
) -> str:
    items = []
    for i, t in enumerate(titles):
        when = ""
        if dates and time_tags:
            when = f' <time datetime="{dates[i].replace(" ", "T")}:00+08:00">{dates[i]}</time>'
        elif dates:
            when = f' <span class="time">{dates[i]}</span>'
        items.append(f'<li><a href="/news/2019/{i}.shtml" target="_blank">{t}</a>{when}</li>')
    return f'<div class="related"><h3>{heading}</h3><ul>{"".join(items)}</ul></div>\n'


def comments() -> str:
    items = "".join(
        f'<div class="comment-item"><span class="user">网友{i}</span>'
        f'<span class="ctime">3小时前</span><p class="ctext">{t}</p>'
        f'<a class="reply">回复</a> <a class="like">赞</a></div>'
        for i, t in enumerate(COMMENT_TEXTS, start=1)
    )
    return (
        f'<div class="comment-box" id="comments"><h3>网友评论</h3>'
        f'<div class="comment-list">{items}</div></div>\n'
    )


def footer(tag: str = "div") -> str:
    return (
        f'<{tag} class="footer"><p><a href="/about">关于我们</a> | <a href="/ad">广告服务</a> |'
        f' <a href="/contact">联系我们</a></p><p>{COPYRIGHT}</p>'
        f'<p><a href="https://beian.example.cn">{ICP}</a> 京公网安备11000002000016号</p>'
        f"</{tag}>\n"
    )


def prev_next(rng: random.Random) -> str:
    return (
        f'<div class="page-turn"><p>上一篇：<a href="/p">{short_title(rng)}</a></p>'
        f'<p>下一篇：<a href="/n">{short_title(rng)}</a></p></div>\n'
    )


# ---------------------------------------------------------------- pages


@dataclass
class Page:
    """One saved page and what a faithful reader must make of it."""

    name: str
    html: str
    encoding: str
    title: str
    paragraphs: list[str]
    published: str | None
    outlet: str
    source_credit: str = ""
    byline: str = ""
    furniture: list[str] = field(default_factory=list)
    script: Callable[[str], str] = str  # how the page's own text was converted

    def data(self) -> bytes:
        return self.html.encode(self.encoding)

    def write(self, folder: Path) -> Path:
        path = folder / f"{self.name}.html"
        path.write_bytes(self.data())
        return path


def _items(titles: list[str], inner: str = "{}") -> str:
    return "".join(
        f"<li><a href='/r{i}.shtml'>{inner.format(t)}</a></li>" for i, t in enumerate(titles)
    )


def _ps(paragraphs: list[str], indent: str = "") -> str:
    return "\n".join(f"<p>{indent}{html.escape(p, quote=False)}</p>" for p in paragraphs)


_HEADINGS = ("一、聚焦重点任务", "二、强化要素保障", "三、优化服务环境", "四、压实工作责任")


def story(
    rng: random.Random, n: int, *, indent: str = "", script: Callable[[str], str] = str
) -> tuple[list[str], list[str]]:
    """``n`` article blocks as markup, and the lines a faithful reader gives for them.

    The markup is what editors' tools write: links and bold inside sentences, a bold
    subheading paragraph, two lines split by ``<br>``, inline styles, and source text
    wrapped inside a paragraph (the break between two Han characters is no space).
    ``script`` converts the text (to Traditional for the Big5 page).
    """
    blocks: list[str] = []
    lines: list[str] = []
    headings = iter(_HEADINGS)
    for i in range(n):
        kind = rng.choice(("plain",) * 5 + ("link", "heading", "br", "style", "wrap", "figure"))
        if i == 0:
            kind = "plain"
        text = script(paragraph(rng))
        esc = html.escape(text, quote=False)
        if kind == "link":
            by, who, said = script("据"), script("新华网"), script("报道，")
            blocks.append(
                f'<p>{indent}{by}<a href="http://www.example.com/">{who}</a>{said}'
                f"<strong>{esc}</strong></p>"
            )
            lines.append(f"{by}{who}{said}{text}")
        elif kind == "heading" and (head := next(headings, None)):
            head = script(head)
            blocks.append(f"<p><strong>{head}</strong></p>")
            lines.append(head)
            blocks.append(f"<p>{indent}{esc}</p>")
            lines.append(text)
        elif kind == "br":
            second = script(sentence(rng))
            blocks.append(f"<p>{indent}{esc}<br/>{indent}{html.escape(second, quote=False)}</p>")
            lines += [text, second]
        elif kind == "style":
            blocks.append(
                f'<p style="text-indent:2em;font-family:宋体">{indent}<span style="color:#c00">'
                f"{esc[:6]}</span>{esc[6:]}</p>"
            )
            lines.append(text)
        elif kind == "figure":
            who = rng.choice(("张明", "李强", "王芳", "陈静"))
            caption = script(f"图为{rng.choice(_WHO)}代表在会上发言。新华社记者 {who} 摄")
            blocks.append(
                f'<p style="text-align:center"><img src="/photo/{i}.jpg" alt=""></p>'
                f'<p class="img-caption" style="text-align:center">{caption}</p>'
            )
            lines.append(caption)
            blocks.append(f"<p>{indent}{esc}</p>")
            lines.append(text)
        elif kind == "wrap":
            cut = next(
                j
                for j in range(len(text) // 2, len(text))
                if "\u4e00" <= text[j] <= "\u9fff" and "\u4e00" <= text[j - 1] <= "\u9fff"
            )
            first, rest = (html.escape(part, quote=False) for part in (text[:cut], text[cut:]))
            blocks.append(f"<p>{indent}{first}\n      {rest}</p>")
            lines.append(text)
        else:
            blocks.append(f"<p>{indent}{esc}</p>")
            lines.append(text)
    return blocks, lines


def portal_gbk(rng: random.Random) -> Page:
    """A portal page declared GB2312: the article in ``div#artibody``, everything else."""
    title = headline(rng)
    blocks, body = story(rng, rng.randint(5, 9), indent="　　")
    rel = [short_title(rng) for _ in range(8)]
    hot = [short_title(rng) for _ in range(6)]
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
 "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>{title}_新浪新闻</title>
<meta name="keywords" content="科创走廊,长三角" />
<meta name="description" content="{body[0][:60]}" />
<meta property="og:type" content="news" />
<meta property="og:title" content="{title}" />
<link rel="stylesheet" href="/css/article.css" />
<style type="text/css">.main-title{{font-size:26px}} .article p{{text-indent:2em}}</style>
<script type="text/javascript">var ARTICLE_ID = "fxyz1234"; var channel = "news";</script>
</head>
<body style="background:#fff">
{ad_script()}{top_nav()}{breadcrumb()}
<div class="main-content w1000" style="margin:0 auto">
<h1 class="main-title">{title}</h1>
<div class="top-bar"><div class="date-source">
<span class="date">2019年03月05日 10:20</span>
<a class="source ent-source" href="http://www.xinhuanet.com/" target="_blank">新华网</a>
</div>{share_bar()}</div>
<div class="article" id="artibody">
{"".join(blocks[:3])}
{ad_script()}{"".join(blocks[3:])}
<p class="article-editor">责任编辑：王小明</p>
</div>
{prev_next(rng)}{related(rel)}{related(hot, "热点推荐")}{comments()}
</div>
{footer()}{ad_script()}</body></html>
"""
    return Page(
        name="portal_gbk",
        html=page,
        encoding="gb18030",
        title=title,
        paragraphs=body,
        published="2019-03-05T10:20:00",
        outlet="新浪新闻",
        source_credit="新华网",
        furniture=[*NAV_LINKS, *rel, *hot, "相关新闻", "热点推荐", "责任编辑", *FURNITURE_ALWAYS],
    )


def xinhua_utf8(rng: random.Random) -> Page:
    """A wire-service page: ``标题 - 新华网``, a visible ``2019-03-05 10:20:30　来源：新华网``."""
    title = headline(rng)
    blocks, body = story(rng, rng.randint(4, 8))
    blocks[0] = blocks[0].replace("<p>", "<p>新华社北京3月5日电（记者 李华）", 1)
    body[0] = "新华社北京3月5日电（记者 李华）" + body[0]
    rel = [short_title(rng) for _ in range(5)]
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{title} - 新华网</title>
<meta name="keywords" content="两会" />
<script src="/static/js/jquery.js"></script>
</head>
<body>
<div class="header"><div class="logo"><a href="/">新华网</a></div>{top_nav("menu")}</div>
{breadcrumb()}
<div class="main">
<div class="head-line"><h1><span class="title">{title}</span></h1>
<div class="info">2019-03-05 10:20:30　来源：新华网</div>
{share_bar()}</div>
<div id="detail">
{"".join(blocks)}
</div>
<div id="articleEdit"><span class="tiyi1"><a href="/jc">【纠错】</a></span>
<span class="editor">【责任编辑:李明 】</span></div>
{prev_next(rng)}{related(rel, "相关新闻", ["2019-03-04"] * 5)}
</div>
{ad_script()}{footer()}</body></html>
"""
    return Page(
        name="xinhua_utf8",
        html=page,
        encoding="utf-8",
        title=title,
        paragraphs=body,
        published="2019-03-05T10:20:30",
        outlet="新华网",
        source_credit="新华网",
        byline="李华",
        furniture=[*NAV_LINKS, *rel, "相关新闻", "纠错", "责任编辑", *FURNITURE_ALWAYS],
    )


def people_gbk(rng: random.Random) -> Page:
    """``标题|人民网``, ``<meta name="publishdate">``, dateline ``2019年03月05日10:20  来源：``."""
    title = headline(rng)
    blocks, body = story(rng, rng.randint(4, 7), indent="　　")
    rel = [short_title(rng) for _ in range(6)]
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="content-type" content="text/html;charset=GB2312"/>
<title>{title}|人民网</title>
<meta name="keywords" content="" />
<meta name="publishdate" content="2019-03-05">
<meta name="source" content="来源：人民网－人民日报">
<meta name="author" content="张三">
<meta name="contentid" content="30957261">
</head>
<body>
{top_nav("w1000 nav")}{breadcrumb()}
<div class="layout rm_txt cf">
<div class="col col-1 fl">
<h1>{title}</h1>
<div class="box01"><div class="fl">2019年03月05日10:20&nbsp;&nbsp;来源：<a
 href="http://paper.people.com.cn/" target="_blank">人民网－人民日报</a></div>
<div class="fr">{share_bar()}</div></div>
<div class="rm_txt_con cf">
{"".join(blocks)}
<div class="edit cf">(责编：张三、李四)</div>
</div>
{related(rel, "相关新闻")}
</div>
<div class="col col-2 fr">{related([short_title(rng) for _ in range(4)], "热点推荐")}</div>
</div>
{comments()}{footer()}</body></html>
"""
    return Page(
        name="people_gbk",
        html=page,
        encoding="gb18030",
        title=title,
        paragraphs=body,
        published="2019-03-05T10:20:00",
        outlet="人民网",
        source_credit="人民网－人民日报",
        byline="张三",
        furniture=[*NAV_LINKS, *rel, "相关新闻", "热点推荐", "责编", *FURNITURE_ALWAYS],
    )


_BIG5_VARIANTS = str.maketrans("啓爲峯敎槪綫衆", "啟為峰教概線眾")


def big5(text: str) -> str:
    """Traditional text that Big5 (cp950) can encode: OpenCC's variants mapped."""
    text = to_traditional(text).translate(_BIG5_VARIANTS)
    text.encode("cp950")  # fails loudly if the made-up text ever needs another variant
    return text


def taiwan_big5(rng: random.Random) -> Page:
    """A Taiwanese page in Big5: og:site_name, article:published_time with its zone."""
    title = big5(headline(rng))
    blocks, body = story(rng, rng.randint(4, 7), script=big5)
    blocks[0] = blocks[0].replace("<p>", "<p>〔記者王小明／台北報導〕", 1)
    body[0] = "〔記者王小明／台北報導〕" + body[0]
    rel = [big5(short_title(rng)) for _ in range(5)]
    nav = [big5(t) for t in NAV_LINKS]
    furniture = [
        *nav,
        *rel,
        "相關新聞",
        "熱門推薦",
        "分享",
        "點我訂閱",
        "版權所有",
        "不得轉載",
        *(big5(t) for t in COMMENT_TEXTS),
    ]
    nav_html = "".join(f'<li><a href="/list/{i}">{t}</a></li>' for i, t in enumerate(nav))
    cmts = "".join(f"<li><p>{big5(t)}</p></li>" for t in COMMENT_TEXTS)
    page = f"""<!DOCTYPE html>
<html lang="zh-Hant-TW">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=big5">
<title>{title} - 自由時報電子報</title>
<meta property="og:site_name" content="自由時報電子報">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2019-03-05T10:20:00+08:00">
<meta property="article:modified_time" content="2019-03-06T08:00:00+08:00">
<meta name="author" content="王小明">
</head>
<body>
<header class="header"><ul class="menu">{nav_html}</ul></header>
<div class="content">
<div class="whitecon article" itemprop="articleBody">
<h1>{title}</h1>
<div class="text boxTitle"><span class="time">2019/03/05 10:20</span>
<div class="share"><a>分享</a><a>點我訂閱</a></div></div>
{"".join(blocks)}
</div>
<div class="related"><p class="boxtitle">相關新聞</p><ul>{_items(rel)}</ul></div>
<div class="hot"><p class="boxtitle">熱門推薦</p></div>
<div class="fb-comments"><ul>{cmts}</ul></div>
</div>
<footer><p>自由時報版權所有不得轉載 &copy; 2019 The Liberty Times. All Rights Reserved.</p></footer>
</body></html>
"""
    return Page(
        name="taiwan_big5",
        html=page,
        encoding="cp950",
        title=title,
        paragraphs=body,
        published="2019-03-05T10:20:00+08:00",
        outlet="自由時報電子報",
        byline="王小明",
        furniture=furniture,
        script=big5,
    )


def jsonld_utf8(rng: random.Random) -> Page:
    """A UTF-8 page whose metadata is JSON-LD; paragraphs split by ``<br>`` in one div."""
    title = headline(rng)
    body = [paragraph(rng) for _ in range(rng.randint(4, 7))]
    rel = [short_title(rng) for _ in range(6)]
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title,
        "datePublished": "2019-03-05T10:20:00+08:00",
        "dateModified": "2019-03-07T09:00:00+08:00",
        "author": {"@type": "Person", "name": "赵敏"},
        "publisher": {"@type": "Organization", "name": "澎湃新闻"},
    }
    joined = "<br><br>\n".join(html.escape(p, quote=False) for p in body)
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{title}_澎湃新闻</title>
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head>
<body>
<div class="head">{top_nav("nav_bar")}</div>
<div class="main_lt">
<h1 class="news_title">{title}</h1>
<div class="news_about"><p>赵敏</p><p>2019-03-05 10:20 来源：澎湃新闻 {SHARE[0]}</p></div>
<div class="news_txt" data-size="standard">{joined}</div>
<div class="news_editor">责任编辑：钱七</div>
{related(rel, "相关推荐")}{comments()}
</div>
{footer()}</body></html>
"""
    return Page(
        name="jsonld_utf8",
        html=page,
        encoding="utf-8",
        title=title,
        paragraphs=body,
        published="2019-03-05T10:20:00+08:00",
        outlet="澎湃新闻",
        source_credit="澎湃新闻",
        byline="赵敏",
        furniture=[*NAV_LINKS, *rel, "相关推荐", "责任编辑", *FURNITURE_ALWAYS],
    )


def only_article_p(rng: random.Random) -> Page:
    """Nothing but the article is in ``<p>``: the furniture is lists, spans and divs."""
    title = headline(rng)
    blocks, body = story(rng, rng.randint(3, 6))
    rel = [short_title(rng) for _ in range(5)]
    nav = "".join(
        f'<span class="nav-item"><a href="/{i}">{t}</a></span>' for i, t in enumerate(NAV_LINKS)
    )
    page = f"""<html><head><meta charset="gbk"><title>{title}|网易新闻</title></head>
<body>
<div id="nav">{nav}</div>
<div class="post_main">
<h1>{title}</h1>
<div class="post_info">2019-03-05 10:20:00　来源: <a href="#">中国新闻网</a></div>
<div class="post_body">
{"".join(blocks)}
</div>
<div class="post_share">{SHARE[0]}<span>{SHARE[1]}</span><span>{SHARE[2]}</span>
<span>{SHARE[3]}</span></div>
<div class="post_related"><div class="hd">相关新闻</div><ul>{_items(rel)}</ul></div>
</div>
<div class="foot"><span>{COPYRIGHT}</span><span>{ICP}</span></div>
</body></html>
"""
    return Page(
        name="only_article_p",
        html=page,
        encoding="gb18030",
        title=title,
        paragraphs=body,
        published="2019-03-05T10:20:00",
        outlet="网易新闻",
        source_credit="中国新闻网",
        furniture=[*NAV_LINKS, *rel, "相关新闻", *SHARE, COPYRIGHT, ICP],
    )


def mobile_sections(rng: random.Random) -> Page:
    """A mobile page built of ``<section>`` s, dateline and source in their own section."""
    title = headline(rng)
    blocks, body = story(rng, rng.randint(3, 6))
    rel = [short_title(rng) for _ in range(4)]
    nav = "".join(f'<a href="/c{i}">{t}</a>' for i, t in enumerate(NAV_LINKS[:8]))
    page = f"""<!DOCTYPE html>
<html><head><meta charset="UTF-8">
<meta name="viewport" content="width=device-width,initial-scale=1.0,user-scalable=no">
<meta name="application-name" content="央视网">
<title>{title} - 央视网</title></head>
<body>
<header class="m-header"><a class="logo">央视网</a><a class="open-app">打开APP</a></header>
<section class="m-nav">{nav}</section>
<section class="article-head"><h1>{title}</h1>
<div class="info"><span class="time">2019年03月05日 10:20</span>
<span class="src">来源：央视新闻客户端</span>
<span class="author">记者 周杰</span></div></section>
<section class="article-body">
{"".join(blocks)}
</section>
<section class="recommend"><h2>相关推荐</h2><ul>{_items(rel, "<p>{}</p>")}</ul></section>
<section class="m-share"><p>{SHARE[0]}{SHARE[1]} {SHARE[2]}</p></section>
<footer><p>{COPYRIGHT}</p><p>{ICP}</p></footer>
</body></html>
"""
    return Page(
        name="mobile_sections",
        html=page,
        encoding="utf-8",
        title=title,
        paragraphs=body,
        published="2019-03-05T10:20:00",
        outlet="央视网",
        source_credit="央视新闻客户端",
        byline="周杰",
        furniture=[*NAV_LINKS[:8], *rel, "相关推荐", "打开APP", *SHARE, COPYRIGHT, ICP],
    )


def undated(rng: random.Random, dated_links: str = "span") -> Page:
    """No publication date anywhere, but dates in the body, in the comments and (unless
    ``dated_links`` is ``""``) in the related links: ``span`` (``<span class="time">``)
    or ``time`` (``<time datetime>``)."""
    title = headline(rng)
    blocks, body = story(rng, rng.randint(4, 6))
    # dates in the body: a short opening sentence and an event before publication, a
    # deadline and a start after it
    opening = "2019年3月1日，" + sentence(rng)
    blocks.insert(0, f"<p>{opening}</p>")
    body.insert(0, opening)
    before = "2018年11月20日，" + paragraph(rng)
    blocks.insert(1, f"<p>{before}</p>")
    body.insert(1, before)
    after = paragraph(rng) + "该项目计划于2020-06-30前完工，2021年1月1日起正式运行。"
    blocks.append(f"<p>{after}</p>")
    body.append(after)
    rel = [short_title(rng) for _ in range(6)]
    dates = [f"2019-02-{d:02d} 09:{d:02d}" for d in range(10, 16)]
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title} - 金华新闻网</title>
<meta property="og:site_name" content="金华新闻网"></head>
<body>
{top_nav()}{breadcrumb()}
<div class="article">
<h1>{title}</h1>
{share_bar()}
<div class="content">
{"".join(blocks)}
<p>本文来源：金华日报</p>
</div>
</div>
{related(rel, "相关新闻", dates if dated_links else None, time_tags=dated_links == "time")}
{comments().replace("3小时前", "2019-02-12 08:00")}{footer()}</body></html>
"""
    return Page(
        name=f"undated_{dated_links or 'body'}",
        html=page,
        encoding="utf-8",
        title=title,
        paragraphs=body,
        published=None,
        outlet="金华新闻网",
        source_credit="金华日报",
        furniture=[*NAV_LINKS, *rel, "相关新闻", "本文来源", *FURNITURE_ALWAYS],
    )


def inline_meta(rng: random.Random) -> Page:
    """A CMS page whose article container holds its own metadata lines (dateline, reporter,
    editor, source, page turns); the headline is only in <title>, og:title and a <div>."""
    title = headline(rng)
    blocks, body = story(rng, rng.randint(3, 6))
    rel = [short_title(rng) for _ in range(5)]
    page = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{title}_中国经济网——国家经济门户</title>
<meta property="og:title" content="{title}">
</head>
<body>
{top_nav("nav")}
<div class="content">
<div class="titleText">{title}</div>
<div id="articleText">
<p>2019-03-05 10:20　来源：经济日报</p>
<p>记者 张三</p>
{"".join(blocks)}
<p>（本文系经济日报原创，转载请注明出处）</p>
<p>更多精彩内容，请关注经济日报微信公众号</p>
<p>（责任编辑：李四）</p>
<p>本文来源：经济日报</p>
{prev_next(rng)}
</div>
{related(rel)}
</div>
{footer()}</body></html>
"""
    return Page(
        name="inline_meta",
        html=page,
        encoding="gb18030",
        title=title,
        paragraphs=body,
        published="2019-03-05T10:20:00",
        outlet="中国经济网",
        source_credit="经济日报",
        byline="张三",
        furniture=[
            *NAV_LINKS,
            *rel,
            "相关新闻",
            "国家经济门户",
            "责任编辑",
            "本文来源",
            "转载请注明出处",
            "公众号",
            *FURNITURE_ALWAYS,
        ],
    )


def netease_like(rng: random.Random) -> Page:
    """Source and editor at the end of the text, an ``（原标题：…）`` line, the source's
    name in an element whose id says "source" and the dateline's in one whose class does."""
    title = headline(rng)
    blocks, body = story(rng, rng.randint(4, 7), indent="　　")
    rel = [short_title(rng) for _ in range(6)]
    page = f"""<!DOCTYPE HTML>
<html><head><meta charset="utf-8"><title>{title}|新京报_网易新闻</title>
<meta property="article:published_time" content="2019-03-05T10:20:30+08:00">
<meta property="og:title" content="{title}"><meta property="og:site_name" content="网易新闻">
</head><body>
{top_nav("N-nav-channel")}
<div class="post_content_main" id="epContentLeft"><h1>{title}</h1>
<div class="post_time_source">2019-03-05 10:20:30　来源: <a id="ne_article_source"
 href="http://www.example.com/">新京报</a></div>
<div class="post_body"><div class="post_text" id="endText">
{"".join(blocks)}
<p class="otitle">（原标题：{title}）</p>
<div class="ep-source cDGray"><span class="left"><a href="/"><img src="logo.png" alt="netease"
 width="13" height="12" class="icon"></a> 本文来源：新京报  </span>
<span class="ep-editor">责任编辑：张三_NN1234</span></div>
</div></div>
<div class="post_comment_joincount">参与<a href="#">1234</a>人</div>
<div class="post_recommends"><h3>相关推荐</h3><ul>{_items(rel)}</ul></div>
</div>
<div class="N-nav-bottom">©1997-2019 网易公司版权所有 About NetEase | 公司简介 | 联系方法</div>
</body></html>
"""
    return Page(
        name="netease_like",
        html=page,
        encoding="utf-8",
        title=title,
        paragraphs=body,
        published="2019-03-05T10:20:30+08:00",
        outlet="网易新闻",
        source_credit="新京报",
        furniture=[*NAV_LINKS, *rel, "相关推荐", "原标题", "本文来源", "责任编辑", "版权所有"],
    )


def chinanews_like(rng: random.Random) -> Page:
    """A wire page ending in ``(完)`` and ``【编辑:张三】``, an ad slot inside the text, a
    site-name author meta, and a legal notice in the footer."""
    title = headline(rng)
    blocks, body = story(rng, rng.randint(4, 7), indent="　　")
    blocks[0] = blocks[0].replace("<p>　　", "<p>　　中新网3月5日电 ", 1)
    body[0] = "中新网3月5日电 " + body[0]
    blocks.insert(2, '<div class="adInContent"><script>show_ad("inner");</script></div>')
    blocks.append("<p>　　(完)</p>")
    body.append("(完)")
    rel = [short_title(rng) for _ in range(5)]
    related_html = "".join(f"<div><a href='/r{i}.shtml'>{t}</a></div>" for i, t in enumerate(rel))
    notice = "本网站所刊载信息，不代表中新社和中新网观点。刊用本网站稿件，务经书面授权。"
    page = f"""<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>{title}-中新网</title><meta name="author" content="chinanews"></head><body>
{top_nav("navbar")}
<div class="content"><div id="cont_1_1_2"><h1 style="display:block">{title}</h1>
<div class="left-time"><div class="left-t" style="float:left;">
2019年03月05日 10:20　来源：中国新闻网　<a href="#">参与互动</a></div></div>
<div class="left_zw" style="position:relative">
{"".join(blocks)}
</div><div class="left_name"><div class="left_name">【编辑:张三】</div></div>
<div class="xgxw"><h4>相关新闻</h4>{related_html}</div>
</div></div>
<div id="bottom">{notice}<br>未经授权禁止转载、摘编、复制及建立镜像，违者将依法追究法律责任。</div>
</body></html>
"""
    return Page(
        name="chinanews_like",
        html=page,
        encoding="gb18030",
        title=title,
        paragraphs=body,
        published="2019-03-05T10:20:00",
        outlet="中新网",
        source_credit="中国新闻网",
        furniture=[*NAV_LINKS, *rel, "相关新闻", "参与互动", "编辑:张三", notice, "未经授权"],
    )


def wechat_like(rng: random.Random) -> Page:
    """A WeChat article: text in <section>/<span>, empty ``<p><br></p>`` spacers, the
    account as publisher, a QR-code box."""
    title = headline(rng)
    body = [paragraph(rng) for _ in range(rng.randint(4, 7))]
    sections = "".join(
        f'<section style="margin:0 8px"><p style="line-height:1.75em">'
        f'<span style="font-size:15px;color:#333">{text}</span></p></section><p><br></p>'
        for text in body
    )
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<meta property="og:title" content="{title}"><meta property="og:site_name" content="微信公众平台">
<title>{title}</title></head><body>
<div id="js_article" class="rich_media"><div class="rich_media_inner"><div id="page-content">
<h1 class="rich_media_title" id="activity-name">{title}</h1>
<div id="meta_content" class="rich_media_meta_list">
<span class="rich_media_meta rich_media_meta_text">原创</span>
<span class="rich_media_meta rich_media_meta_nickname"><a href="javascript:void(0);"
 id="js_name">金华发布</a></span>
<em id="publish_time" class="rich_media_meta rich_media_meta_text">2019-03-05 10:20</em></div>
<div class="rich_media_content" id="js_content" style="visibility: hidden;">{sections}</div>
<div class="rich_media_tool" id="js_toobar3"><a id="js_view_source" href="##">阅读原文</a>
<div class="media_tool_meta">阅读 <span id="readNum3">10万+</span></div></div>
</div></div></div>
<div id="js_pc_qr_code"><p>微信扫一扫<br>关注该公众号</p></div></body></html>
"""
    return Page(
        name="wechat_like",
        html=page,
        encoding="utf-8",
        title=title,
        paragraphs=body,
        published="2019-03-05T10:20:00",
        outlet="金华发布",
        furniture=["微信扫一扫", "关注该公众号", "阅读原文", "10万+", "原创"],
    )


def undated_time(rng: random.Random) -> Page:
    return undated(rng, "time")


def undated_body(rng: random.Random) -> Page:
    return undated(rng, "")


def old_table_gbk(rng: random.Random) -> Page:
    """A 2000s page laid out in tables: the article is one ``<td>`` of ``<br>`` lines."""
    title = headline(rng)
    body = [paragraph(rng) for _ in range(rng.randint(3, 6))]
    rel = [short_title(rng) for _ in range(5)]
    nav = " | ".join(
        f'<a href="/{i}/"><font color="#000000">{t}</font></a>' for i, t in enumerate(NAV_LINKS)
    )
    lines = "<br>\n".join(f"　　{html.escape(p, quote=False)}" for p in body)
    rel_rows = "".join(
        f'<tr><td height="22">·<a href="/r{i}.htm">{t}</a> '
        f'<font color="#999999">(2005-03-0{i + 1})</font></td></tr>'
        for i, t in enumerate(rel)
    )
    page = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{title}-中国经济网</title>
<link href="/css/style.css" rel="stylesheet" type="text/css">
</head>
<body leftmargin="0" topmargin="0">
<table width="760" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td height="30" bgcolor="#F0F0F0">{nav}</td></tr>
<tr><td>{breadcrumb()}</td></tr>
</table>
<table width="760" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td width="560" valign="top">
<table width="100%" border="0" cellspacing="0" cellpadding="0">
<tr><td align="center" height="40"><font size="5"><b>{title}</b></font></td></tr>
<tr><td align="center" class="date">
<font color="#666666">发布时间：2005-03-05 10:20:30　来源：新华社　作者：孙武</font></td></tr>
<tr><td class="content" style="font-size:14px;line-height:24px">
{lines}
</td></tr>
<tr><td align="right">【<a href="javascript:window.close()">关闭窗口</a>】
【<a href="javascript:window.print()">打印本页</a>】</td></tr>
</table>
<table width="100%" border="0"><tr><td class="title">相关新闻</td></tr>{rel_rows}</table>
</td>
<td width="200" valign="top">{ad_script()}<table><tr><td>热点推荐</td></tr></table></td></tr>
</table>
<table width="760" align="center"><tr><td align="center">{COPYRIGHT}<br>{ICP}</td></tr></table>
</body>
</html>
"""
    return Page(
        name="old_table_gbk",
        html=page,
        encoding="gb18030",
        title=title,
        paragraphs=body,
        published="2005-03-05T10:20:30",
        outlet="中国经济网",
        source_credit="新华社",
        byline="孙武",
        furniture=[
            *NAV_LINKS,
            *rel,
            "相关新闻",
            "热点推荐",
            "关闭窗口",
            "打印本页",
            COPYRIGHT,
            ICP,
            AD,
        ],
    )


def brief_portal(rng: random.Random) -> Page:
    """A two-sentence news flash on a heavy portal page: furniture outweighs the article."""
    page = portal_gbk(rng)
    body = [sentence(rng), sentence(rng)]
    start = page.html.index('<div class="article" id="artibody">')
    end = page.html.index('<p class="article-editor">')
    page.html = (
        page.html[:start] + f'<div class="article" id="artibody">\n{_ps(body)}\n' + page.html[end:]
    )
    page.name = "brief_portal"
    page.paragraphs = body
    return page


def padded(page: Page, rng: random.Random, kb: int) -> Page:
    """``page`` grown to about ``kb`` kilobytes the way portal pages grow: inline script
    configuration and CSS, a mega-menu, ranking lists in the sidebar, a link directory in
    the footer. Their text is furniture too."""
    furniture: list[str] = []
    chunks: list[str] = []
    head: list[str] = []
    script = page.script
    while len("".join(chunks + head).encode(page.encoding, "replace")) < kb * 1024:
        kind = rng.choice(("script", "style", "menu", "rank", "links"))
        if kind == "script":
            config = {
                f"slot_{rng.randrange(10**6)}": {
                    "id": rng.randrange(10**9),
                    "url": f"http://ad.example.com/s?{rng.randrange(10**9)}",
                    "title": script(short_title(rng)),
                }
                for _ in range(30)
            }
            head.append(
                "<script>var AD_CONFIG = "
                + json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
                + ";\nfunction show(id){if(AD_CONFIG[id]){"
                + "document.write('<div class=\"ad\">'+AD_CONFIG[id].title+'</div>');}}\n"
                + "</script>\n"
            )
        elif kind == "style":
            rules = "".join(
                f".c{rng.randrange(10**5)} .item-{i}"
                f"{{margin:{i}px 0;color:#{rng.randrange(16**6):06x}}}\n"
                for i in range(60)
            )
            head.append(f"<style>{rules}</style>\n")
        elif kind == "menu":
            names = [script(rng.choice(_WHO)) + str(i) for i in range(60)]
            furniture += names
            links = "".join(f'<li><a href="/m/{i}.html">{n}</a></li>' for i, n in enumerate(names))
            chunks.append(f'<div class="sub-nav" style="display:none"><ul>{links}</ul></div>\n')
        elif kind == "rank":
            titles = [script(short_title(rng)) + f"（{i}）" for i in range(20)]
            furniture += titles
            items = "".join(
                f'<li><em>{i + 1}</em><a href="/rank/{i}.shtml">{t}</a></li>'
                for i, t in enumerate(titles)
            )
            chunks.append(
                f'<div class="rank-list"><h3>{script("排行榜")}</h3><ol>{items}</ol></div>\n'
            )
        else:
            names = [f"{script(rng.choice(_WHO))}{script('网')}{i}" for i in range(40)]
            furniture += names
            links = " | ".join(
                f'<a href="http://link{i}.example.com/">{n}</a>' for i, n in enumerate(names)
            )
            chunks.append(
                f'<div class="friend-links"><span>{script("友情链接")}：</span>{links}</div>\n'
            )
    page.html = page.html.replace("</head>", "".join(head) + "</head>", 1)
    page.html = page.html.replace("</body>", "".join(chunks) + "</body>", 1)
    page.furniture = [*page.furniture, *furniture]
    return page


STYLES: dict[str, Callable[[random.Random], Page]] = {
    f.__name__: f
    for f in (
        portal_gbk,
        xinhua_utf8,
        people_gbk,
        taiwan_big5,
        jsonld_utf8,
        only_article_p,
        mobile_sections,
        undated,
        undated_time,
        undated_body,
        old_table_gbk,
        brief_portal,
        inline_meta,
        netease_like,
        chinanews_like,
        wechat_like,
    )
}


def make_page(style: str, seed: int = 0, kb: int = 0) -> Page:
    """The page of ``style`` for ``seed``; padded to about ``kb`` KB when given."""
    rng = random.Random(f"{style}-{seed}")
    page = STYLES[style](rng)
    return padded(page, rng, kb) if kb else page


# ---------------------------------------------------------------- helpers

CODECS = {"gb18030": "GB18030", "cp950": "Big5", "utf-8": "UTF-8"}


def read_one(path: Path) -> Article:
    articles, errors = read_file(path)
    assert errors == []
    assert len(articles) == 1
    return articles[0]


def texts(article: Article) -> list[str]:
    return [p.text for p in article.paragraphs]


def leaks(page: Page, lines: list[str]) -> list[tuple[str, str]]:
    """``(furniture, line)`` for every furniture string found in an extracted line.

    A furniture string that is also part of the article's own text (the navigation link
    科技 inside 省科技厅) is only furniture as a whole line.
    """
    own = [page.title, *page.paragraphs]
    found = []
    for item in page.furniture:
        inside = any(item in text for text in own)
        for line in lines:
            if (line == item) if inside else (item in line):
                found.append((item, line))
    return found


# ---------------------------------------------------------------- whole pages, end to end


@pytest.mark.parametrize("kb", [0, 120])
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("style", sorted(STYLES))
def test_page_is_read_faithfully(tmp_path: Path, style: str, seed: int, kb: int) -> None:
    page = make_page(style, seed, kb)
    article = read_one(page.write(tmp_path))
    lines = [article.title, article.subtitle, *texts(article)]
    assert leaks(page, lines) == []
    assert texts(article) == page.paragraphs  # every paragraph, exactly and in order
    assert article.title == page.title  # the site suffix gone
    assert article.published == page.published
    assert article.outlet == page.outlet
    assert article.source_credit == page.source_credit
    assert article.byline == page.byline
    assert article.codec == CODECS[page.encoding]
    assert article.format == "html"


def test_the_generated_pages_are_what_they_claim() -> None:
    """The fixtures themselves: declared charsets, sizes, and furniture really there."""
    portal = make_page("portal_gbk", 0)
    assert b'charset=gb2312"' in portal.data()
    assert portal.data().count(b"<li>") >= 20 + 8 + 6  # the top bar and two related lists
    for item in ("分享到：", "版权所有", "京ICP证", "document.write", "上一篇", "网友评论"):
        assert item in portal.html
    big5_page = make_page("taiwan_big5", 0)
    assert b"charset=big5" in big5_page.data()
    big5_page.data().decode("cp950")  # really Big5
    with pytest.raises(UnicodeDecodeError):
        big5_page.data().decode("utf-8")
    assert '"@type": "NewsArticle"' in make_page("jsonld_utf8", 0).html
    for kb in (20, 200):
        size = len(make_page("portal_gbk", 1, kb).data())
        assert kb * 1024 <= size <= kb * 1024 + 20_000


# ---------------------------------------------------------------- titles and site names


@pytest.mark.parametrize(
    ("pattern", "site"),
    [
        ("{}_新浪新闻", "新浪新闻"),
        ("{} - 新华网", "新华网"),
        ("{}|人民网", "人民网"),
        ("{}--国际--人民网", "人民网"),
        ("{}｜澎湃新闻", "澎湃新闻"),
        ("{}_中国经济网——国家经济门户", "中国经济网"),
    ],
)
def test_title_from_title_tag_loses_the_site_suffix(
    tmp_path: Path, pattern: str, site: str
) -> None:
    """No <h1>, no og:title: the headline is <title> without its suffix, which names
    the site."""
    page = make_page("people_gbk", 0)
    page.html = page.html.replace(
        f"<title>{page.title}|人民网</title>", f"<title>{pattern.format(page.title)}</title>"
    ).replace(f"<h1>{page.title}</h1>", f'<div class="title">{page.title}</div>')
    assert "<h1>" not in page.html and pattern.format(page.title) in page.html
    article = read_one(page.write(tmp_path))
    assert article.title == page.title
    assert article.outlet == site
    assert texts(article) == page.paragraphs


def test_logo_h1_is_not_the_title(tmp_path: Path) -> None:
    page = make_page("xinhua_utf8", 0)
    page.html = page.html.replace(
        '<div class="logo"><a href="/">新华网</a></div>',
        '<h1 class="logo"><a href="/">新华网</a></h1>',
    )
    article = read_one(page.write(tmp_path))
    assert article.title == page.title


def test_subtitle_under_the_headline(tmp_path: Path) -> None:
    page = make_page("people_gbk", 1)
    page.html = page.html.replace(
        f"<h1>{page.title}</h1>", f"<h1>{page.title}</h1>\n<h2>九城市联手打造创新高地</h2>"
    )
    article = read_one(page.write(tmp_path))
    assert article.subtitle == "九城市联手打造创新高地"
    assert texts(article) == page.paragraphs


# ---------------------------------------------------------------- publication dates

# (what stands under the headline, what the head declares, the publication date)
DATE_CASES = [
    ("2019-03-05 10:20:30　来源：新华网", "", "2019-03-05T10:20:30"),
    ("2019年03月05日 10:20　来源：新华网", "", "2019-03-05T10:20:00"),
    ("2019年03月05日10:20&nbsp;&nbsp;来源：新华网", "", "2019-03-05T10:20:00"),
    ("2019年3月5日　来源：新华网", "", "2019-03-05"),
    ("2019/03/05 10:20　来源:新华网", "", "2019-03-05T10:20:00"),
    ("２０１９年０３月０５日　１０：２０　来源：新华网", "", "2019-03-05T10:20:00"),
    ("发布时间：2019-03-05 10:20 来源：新华网 作者：孙武", "", "2019-03-05T10:20:00"),
    (
        "来源：新华网",
        '<meta property="article:published_time" content="2019-03-05T10:20:00+08:00">',
        "2019-03-05T10:20:00+08:00",
    ),
    ("来源：新华网", '<meta name="pubdate" content="2019-03-05">', "2019-03-05"),
    (
        "来源：新华网",
        '<meta name="publishdate" content="2019-03-05 10:20:00">',
        "2019-03-05T10:20:00",
    ),
    # the head gives the day, the dateline the time of that day
    (
        "2019-03-05 10:20　来源：新华网",
        '<meta name="publishdate" content="2019-03-05">',
        "2019-03-05T10:20:00",
    ),
    # what the head declares wins over a dateline of another day
    (
        "2019-03-06 08:00　来源：新华网",
        '<meta name="publishdate" content="2019-03-05">',
        "2019-03-05",
    ),
    (
        '<time datetime="2019-03-05T10:20:00+08:00">3月5日 10:20</time>　来源：新华网',
        "",
        "2019-03-05T10:20:00+08:00",
    ),
    (
        "来源：新华网",
        '<script type="application/ld+json">'
        '{"@type": "NewsArticle", "datePublished": "2019-03-05T02:20:00Z"}</script>',
        "2019-03-05T02:20:00+00:00",
    ),
    ("来源：新华网", "", None),
]


@pytest.mark.parametrize(("dateline", "head", "published"), DATE_CASES)
def test_publication_date_styles(
    tmp_path: Path, dateline: str, head: str, published: str | None
) -> None:
    page = make_page("xinhua_utf8", 2)
    page.html = page.html.replace(
        '<div class="info">2019-03-05 10:20:30　来源：新华网</div>',
        f'<div class="info">{dateline}</div>',
    ).replace("</head>", f"{head}\n</head>")
    assert dateline in page.html
    article = read_one(page.write(tmp_path))
    assert article.published == published
    assert article.source_credit == "新华网"
    assert texts(article) == page.paragraphs


def test_dates_in_the_body_and_related_lists_never_date_the_page(tmp_path: Path) -> None:
    for style in ("undated", "undated_time", "undated_body"):
        for seed in range(5):
            page = make_page(style, seed, kb=[0, 60][seed % 2])
            assert page.published is None
            assert "2019年3月1日" in page.html and "2019-02-12 08:00" in page.html
            article = read_one(page.write(tmp_path))
            assert article.published is None, (style, seed)
            assert article.date_text  # the body's dates are still seen as mentions


# ---------------------------------------------------------------- lines, breaks, fragments


def test_soft_breaks_and_inline_markup_keep_the_chinese_text_exact() -> None:
    page = (
        "<html><head><title>长三角九城市共商科创走廊_新浪新闻</title></head><body>"
        "<div class='nav'><a href='/'>首页</a> <a href='/n'>新闻</a></div>"
        "<h1>长三角九城市共商科创走廊</h1><div class='article'>"
        "<p>　　会上，<b>九地市</b>\n政协主席和<a href='/x'>委员</a>作了交流发言，"
        "“引号”、《书名》与全角标点！</p>"
        "<p>长三角\n      九城市共同签署了G60\n科创走廊建设方案，English\nwords 在此。</p>"
        "<p>第一行文字，内容较长一些。<br>第二行文字，内容也长一些。<br/>第三行。</p>"
        + "".join(
            f"<p>第{i}段：长三角九城市共同签署了科创走廊建设方案，总投资达3.5亿元。</p>"
            for i in range(5)
        )
        + "</div><div class='footer'>版权所有 京ICP证000007号</div></body></html>"
    )
    title, subtitle, paragraphs, meta = extract_html(page)
    assert title == "长三角九城市共商科创走廊"
    assert paragraphs[:5] == [
        "会上，九地市政协主席和委员作了交流发言，“引号”、《书名》与全角标点！",
        "长三角九城市共同签署了G60 科创走廊建设方案，English words 在此。",
        "第一行文字，内容较长一些。",
        "第二行文字，内容也长一些。",
        "第三行。",
    ]
    assert len(paragraphs) == 10
    assert not any("首页" in p or "版权所有" in p for p in paragraphs)
    assert isinstance(meta, dict) and subtitle is None


def test_extract_html_keeps_its_shape_and_the_meta_tags() -> None:
    page = make_page("taiwan_big5", 0)
    title, subtitle, paragraphs, meta = extract_html(page.html)
    assert title == page.title
    assert subtitle is None
    assert paragraphs == page.paragraphs
    assert meta["og:site_name"] == "自由時報電子報"
    assert meta["article:published_time"] == "2019-03-05T10:20:00+08:00"


@pytest.mark.parametrize("joiner", ["p", "br"])
def test_json_body_fragment(tmp_path: Path, joiner: str) -> None:
    """An HTML fragment in a JSON body (``records.py`` calls ``extract_html``): <p>
    paragraphs go through trafilatura, a <div> of <br> lines through the fallback."""
    rng = random.Random(f"json-{joiner}")
    lines = [paragraph(rng) for _ in range(4)]
    if joiner == "p":
        body = "".join(f"<p>{line}</p>" for line in lines) + "<p>（责任编辑：张三）</p>"
    else:
        body = "<div>" + "<br/>".join(lines) + "<br/>（责任编辑：张三）</div>"
    record = {"title": "标题", "content": body, "source": "新华网", "time": "2019-03-05 10:20"}
    path = tmp_path / "a.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    article = read_one(path)
    assert texts(article) == lines
    assert article.outlet == "新华网"
    expected = "trafilatura" if joiner == "p" else "fallback"
    assert html_reader.extract_page(body).extractor == expected


def test_a_page_nested_too_deep_for_libxml2_is_read_by_the_fallback(tmp_path: Path) -> None:
    depth = 3000
    page = (
        "<html><head><title>深层网页_新浪新闻</title></head><body><h1>深层网页</h1>"
        + "<div><span>" * depth
        + "<p>最深处的段落，长三角九城市共同签署了方案。</p>"
        + "</span></div>" * depth
        + "</body></html>"
    )
    assert html_reader.extract_page(page).extractor == "fallback"
    path = tmp_path / "deep.html"
    path.write_text(page, encoding="utf-8")
    article = read_one(path)
    assert article.title == "深层网页"
    assert texts(article) == ["最深处的段落，长三角九城市共同签署了方案。"]


def test_the_fallback_drops_link_lists_too() -> None:
    """A page without <p>: trafilatura finds nothing, the small extractor reads every
    block, and the navigation (all link text) still goes."""
    nav = "".join(f"<li><a href='/{i}/'>{t}</a></li>" for i, t in enumerate(NAV_LINKS))
    page = (
        f"<html><head><title>通知_新浪新闻</title></head><body><ul>{nav}</ul>"
        "<div>第一行通知内容。<br>第二行通知内容。</div>"
        f"<div>{COPYRIGHT}</div></body></html>"
    )
    result = html_reader.extract_page(page)
    assert result.extractor == "fallback"
    assert result.lines == ["第一行通知内容。", "第二行通知内容。"]


def test_a_failure_inside_trafilatura_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(html_reader, "bare_extraction", broken)
    page = make_page("only_article_p", 0)
    result = html_reader.extract_page(page.html)
    assert result.extractor == "fallback"
    assert result.lines[: len(page.paragraphs)] == page.paragraphs
    assert result.title == page.title
    assert result.fields.published == page.published  # the markup was read before


@pytest.mark.parametrize(
    "text",
    ["", "   ", "<<<<", "<html></html>", "<!-- 只有注释 -->", "https://news.example.com/a.html"],
)
def test_empty_and_odd_input_never_raises(text: str) -> None:
    [raw] = read_html(text)
    assert not isinstance(raw, ReadError)
    assert all(line.strip() for line in raw.lines)


def test_no_network_and_no_log_noise(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing is ever fetched (htmldate downloads a string that looks like a URL), and
    the libraries' "discarding data" warnings do not reach the terminal."""
    calls: list[object] = []

    def no_network(*args: object, **kwargs: object) -> None:
        calls.append(args)
        raise OSError("network used")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    with caplog.at_level(logging.DEBUG):
        for text in ("https://news.example.com/2019/03/05/a.html", "<div>一行<br/>二行</div>"):
            read_html(text)
        for style in STYLES:
            read_html(make_page(style, 0).html)
    assert calls == []
    noisy = [r for r in caplog.records if r.name.split(".")[0] in ("trafilatura", "htmldate")]
    assert noisy == []
