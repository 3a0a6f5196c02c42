"""Demo comment threads: posts of the parliament's page (invented, in its usual style) and the
comments citizens leave under them, delivered through the real VK wall events (long poll) and
Telegram discussion-group updates (webhook)."""
import logging

log = logging.getLogger(__name__)

DEMO_GROUP = -1001000001  # the demo Telegram channel's discussion group

# (post, [comments]): a question, a complaint, personal data left in public, a reply to
# another comment, a spam comment; written for this project, no real people.
THREADS: list[tuple[str, list[str]]] = [
    ("Государственный Совет Республики Татарстан принял в первом чтении закон о бюджете "
     "республики на 2027 год. Расходы на образование и здравоохранение вырастут.",
     ["А на ремонт сельских школ в бюджете что-нибудь предусмотрено? У нас в Кукморском районе "
      "школа 1965 года постройки.",
      "Когда проиндексируют зарплаты работникам культуры? Библиотекари получают меньше МРОТ.",
      "Заработок от 5000 рублей в день без вложений! Пишите в личку, подробности в профиле."]),
    ("Депутаты обсудили с Министерством транспорта программу ремонта дорог местного значения "
     "на 2027 год: в планах более 600 км в 45 муниципальных районах.",
     ["Включите в программу дорогу Арск — Новый Кишит, по ней невозможно ездить уже пять лет.",
      "Присоединяюсь, та же беда в Сабинском районе. Мой телефон 8 917 265-43-21, звоните, "
      "покажу все ямы.",
      "Исәнмесез! Безнең авылга да юл кирәк, Балтач районы."]),
    ("В Госсовете прошли публичные слушания по законопроекту о поддержке многодетных семей: "
     "ежемесячную выплату предлагается проиндексировать.",
     ["С какого месяца начнут платить по-новому? И нужно ли заново подавать документы?",
      "Нам уже год не могут выделить земельный участок как многодетным, очередь не двигается.",
      "Спасибо депутатам за поддержку многодетных!"]),
]


class CommentFeeder:
    """Posts the demo threads' posts once, then leaves one comment per call in turn."""

    def __init__(self, sims: dict, post_webhook, rng) -> None:
        self.sims, self.post_webhook, self.rng = sims, post_webhook, rng
        self.vk_posts: dict[int, int] = {}      # thread index -> VK post id
        self.tg_roots: dict[int, dict] = {}     # thread index -> the channel post's update
        self.tg_comments: dict[int, list] = {}  # thread index -> earlier comment updates

    def send(self, kind: str, user: int, first: str, last: str) -> None:
        """One citizen comment under a random thread's post on VK or Telegram."""
        index = self.rng.randrange(len(THREADS))
        post, comments = THREADS[index]
        text = self.rng.choice(comments)
        if kind == "vk":
            sim = self.sims["vk"]
            if index not in self.vk_posts:
                self.vk_posts[index], event = sim.add_post(post)
                sim.push_longpoll(event)
            sim.push_longpoll(sim.comment_event(user, self.vk_posts[index], text))
            return
        sim = self.sims["telegram"]
        if index not in self.tg_roots:
            self.tg_roots[index] = sim.channel_post(DEMO_GROUP, post)
            self.post_webhook(self.tg_roots[index])
        earlier = self.tg_comments.setdefault(index, [])
        reply_to = self.rng.choice(earlier) if earlier and self.rng.random() < 0.3 else None
        update = sim.comment_update(DEMO_GROUP, user, text, self.tg_roots[index],
                                    reply_to=reply_to, first_name=first, last_name=last)
        earlier.append(update)
        self.post_webhook(update)
