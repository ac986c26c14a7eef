#include "data/StoryGenerator.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <initializer_list>
#include <utility>
#include <vector>

namespace flopsfit {

namespace {

// splitmix64: tiny, fast, identical everywhere.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next()
    {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, n) (n small: the modulo bias is below 2^-50).
    int below(int n) { return int(next() % std::uint64_t(n)); }
    bool chance(int percent) { return below(100) < percent; }

private:
    std::uint64_t m_state;
};

template <typename T, std::size_t N>
const T &pickFrom(Rng &rng, const T (&items)[N])
{
    return items[rng.below(int(N))];
}

const char *pick(Rng &rng, std::initializer_list<const char *> items)
{
    return items.begin()[rng.below(int(items.size()))];
}

struct Name {
    const char *name;
    bool female;
};

const Name kNames[] = {
    {"Lily", true}, {"Tom", false}, {"Ben", false}, {"Sue", true}, {"Max", false}, {"Mia", true},
    {"Tim", false}, {"Anna", true}, {"Sam", false}, {"Lucy", true}, {"Jack", false}, {"Emma", true},
    {"Leo", false}, {"Zoe", true}, {"Jake", false}, {"Ella", true}, {"Noah", false}, {"Ava", true},
    {"Finn", false}, {"Rosie", true}, {"Oscar", false}, {"Ruby", true}, {"Theo", false}, {"Daisy", true},
    {"Henry", false}, {"Molly", true}, {"Oliver", false}, {"Chloe", true}, {"Jamie", false}, {"Grace", true},
    {"Eli", false}, {"Nora", true}, {"Sammy", false}, {"Amy", true}, {"Toby", false}, {"Kate", true},
    {"Billy", false}, {"Sara", true}, {"Danny", false}, {"Maya", true}, {"Luke", false}, {"Ivy", true},
    {"Peter", false}, {"Hannah", true}, {"Charlie", false}, {"Poppy", true}, {"Harry", false}, {"Lola", true},
    {"Joe", false}, {"Kim", true}, {"Bob", false}, {"Jill", true}, {"Ned", false}, {"Tess", true},
    {"Alex", false}, {"Bella", true}, {"Milo", false}, {"Clara", true}, {"Ollie", false}, {"Fiona", true},
    {"Hugo", false}, {"Julia", true}, {"Arlo", false}, {"Layla", true}, {"Ezra", false}, {"Stella", true},
    {"Felix", false}, {"Hazel", true}, {"Jasper", false}, {"Iris", true}, {"Rex", false}, {"Penny", true},
    {"Omar", false}, {"Priya", true}, {"Kofi", false}, {"Aisha", true}, {"Mateo", false}, {"Sofia", true},
    {"Ravi", false}, {"Mei", true}, {"Yusuf", false}, {"Nina", true}, {"Kai", false}, {"Elsa", true},
    {"Pip", false}, {"Dot", true}, {"Spot", false}, {"Fluffy", true}, {"Buddy", false}, {"Coco", true},
    {"Rocky", false}, {"Bubbles", true}, {"Ziggy", false}, {"Tilly", true}, {"Bruno", false}, {"Willow", true},
};

// What the main character or the friend is: a child or an animal, with facts that hold across
// the whole corpus (what it says, where it sleeps, what it eats, how it moves), so a model can
// learn them from many stories.
struct Kind {
    const char *name, *sound, *home, *food, *move;
};
const Kind kKinds[] = {
    {"girl", "\"Hello!\"", "a little house", "apples", "ran"},
    {"boy", "\"Hi!\"", "a little house", "bread", "ran"},
    {"bunny", "nothing at all, but wiggled its nose", "a hole under the hill", "carrots", "hopped"},
    {"puppy", "woof", "a warm basket", "bones", "ran"},
    {"kitten", "meow", "a soft box", "fish", "crept"},
    {"bear", "grr", "a big cave", "honey", "lumbered"},
    {"fox", "yip", "a den in the woods", "berries", "trotted"},
    {"duck", "quack", "a nest by the pond", "bugs", "waddled"},
    {"mouse", "squeak", "a hole in the wall", "cheese", "scurried"},
    {"squirrel", "chit chit", "a high tree", "nuts", "scampered"},
    {"frog", "ribbit", "a lily pad", "flies", "hopped"},
    {"bird", "tweet", "a nest in a tree", "seeds", "flew"},
    {"turtle", "nothing, but smiled slowly", "a shell by the river", "lettuce", "crawled"},
    {"owl", "hoo hoo", "a hollow tree", "mice", "flew"},
    {"lamb", "baa", "a green field", "grass", "skipped"},
    {"pig", "oink", "a muddy pen", "corn", "trotted"},
    {"elephant", "toot", "the wide grassland", "leaves", "stomped"},
    {"lion cub", "roar", "a sunny rock", "meat", "pounced"},
    {"hedgehog", "snuffle", "a pile of leaves", "worms", "shuffled"},
    {"penguin", "honk", "an icy shore", "fish", "waddled"},
    {"dragon", "rawr", "a castle tower", "peppers", "flew"},
    {"robot", "beep boop", "a shiny workshop", "batteries", "rolled"},
    {"monkey", "ooh ooh", "a tall jungle tree", "bananas", "swung"},
    {"deer", "nothing, but flicked its ears", "a quiet forest", "clover", "leaped"},
    {"goat", "meh", "a rocky hill", "hay", "climbed"},
    {"chick", "peep", "a warm coop", "corn", "pecked along"},
    {"otter", "squeak squeak", "a cozy riverbank", "clams", "swam"},
    {"raccoon", "chitter", "a hollow log", "plums", "sneaked"},
};
const char *const kTraits[] = {
    "little", "happy", "curious", "brave", "shy", "kind", "silly", "small", "clever", "gentle",
    "busy", "sleepy", "cheerful", "friendly", "playful", "quiet", "proud", "funny", "tiny", "young",
};
const char *const kColors[] = {
    "red", "blue", "green", "yellow", "purple", "pink", "orange", "shiny", "golden", "striped",
    "spotted", "white", "brown", "silver", "soft", "big", "little", "old", "new", "bright",
};
const char *const kObjects[] = {
    "ball", "kite", "teddy bear", "toy car", "doll", "book", "hat", "scarf", "shell", "balloon",
    "drum", "boat", "train", "puzzle", "marble", "bike", "bucket", "crayon", "blanket", "cup",
    "spoon", "box", "ribbon", "necklace", "key", "stone", "feather", "flute", "umbrella", "sock",
    "wagon", "whistle", "map", "lamp", "basket", "pillow", "rope", "jar", "bell", "button",
};
const char *const kPlaces[] = {
    "the park", "the garden", "the beach", "the forest", "the farm", "the lake", "the hill",
    "the zoo", "school", "the library", "the market", "the playground", "the backyard",
    "the meadow", "the river", "the barn", "the big tree", "the kitchen", "the attic", "the pond",
    "the cave", "the old castle", "the bakery", "the town square", "the field", "the woods",
    "the toy shop", "the fair", "the bridge", "the hilltop", "the orchard", "the harbor",
};
// Where something can hide.
const char *const kSpots[] = {
    "under the bed", "behind a rock", "in a bush", "under a leaf", "near the fence",
    "inside an old box", "under the table", "behind the door", "in the tall grass",
    "next to the tree", "on top of the shelf", "under a pile of leaves", "in the sand",
    "by the flowers", "under the bench", "inside a hollow log", "behind the curtain", "in the mud",
};
const char *const kGames[] = {
    "tag", "hide and seek", "catch", "house", "pirates", "chase", "jump rope", "a guessing game",
    "with blocks", "in the sand", "with the ball", "dress-up", "a clapping game", "with their toys",
};
const char *const kHobbies[] = {
    "play outside", "draw pictures", "sing songs", "read books", "run fast", "jump in puddles",
    "look at the stars", "build towers", "dance", "climb trees", "pick flowers", "make new friends",
    "eat apples", "count the clouds", "splash in the water", "help at home", "tell jokes",
    "collect shells", "watch the birds", "ride a bike",
};
const char *const kFoods[] = {
    "cookies", "an apple", "a cake", "some bread", "a sandwich", "a pie", "some berries",
    "a cupcake", "some soup", "a banana", "some candy", "a muffin", "some cheese", "ice cream",
    "a pear", "some grapes", "a carrot", "some pancakes",
};
const char *const kTimes[] = {
    "One day", "One morning", "One sunny day", "One afternoon", "One evening", "Later that day",
    "One rainy morning", "On a warm day", "One cold morning", "On a windy day", "The next day",
    "One bright morning", "On Saturday",
};
const char *const kFeelingsGood[] = {
    "happy", "glad", "excited", "proud", "thankful", "joyful", "calm", "safe",
};
const char *const kFeelingsBad[] = {
    "sad", "scared", "worried", "upset", "angry", "lonely", "nervous", "grumpy",
};
const char *const kFears[] = {
    "the dark", "the big dog next door", "deep water", "the loud thunder", "the tall slide",
    "the old barn", "spiders", "the noisy vacuum", "the big waves", "going to a new school",
};
const char *const kThingsToMake[] = {
    "a cake", "a card", "a picture", "a tower", "a sandcastle", "a necklace", "a little boat",
    "a kite", "a hat", "a birdhouse", "a snowman", "a drum", "a paper crown", "a pie",
};
const char *const kTroubles[] = {
    "stuck in a tree", "caught in a net", "lost in the woods", "hurt on its wing",
    "stuck in the mud", "too cold to move", "hungry and tired", "trapped behind a fence",
};
const char *const kCreatures[] = {
    "a little bird", "a small kitten", "a baby duck", "a tiny mouse", "a sad puppy",
    "a young owl", "a lost lamb", "a little squirrel", "a baby rabbit", "a small frog",
};
const char *const kGrownups[][2] = {
    {"Mom", "she"}, {"Dad", "he"}, {"Grandma", "she"}, {"Grandpa", "he"}, {"Aunt May", "she"},
    {"Uncle Ben", "he"}, {"Miss Rose", "she"}, {"Mr. Green", "he"}, {"Nana", "she"}, {"Papa", "he"},
};

// A tiny template engine: "{N}" and friends are replaced from a list of variables.
class Vars {
public:
    void set(const char *key, std::string value) { m_vars.emplace_back(key, std::move(value)); }
    const std::string *find(const char *key, std::size_t length) const
    {
        for (auto it = m_vars.rbegin(); it != m_vars.rend(); ++it)
            if (std::strlen(it->first) == length && std::memcmp(it->first, key, length) == 0)
                return &it->second;
        return nullptr;
    }

private:
    std::vector<std::pair<const char *, std::string>> m_vars;
};

std::string capitalized(std::string s)
{
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z')
        s[0] = char(s[0] - 'a' + 'A');
    return s;
}

// "a owl" → "an owl" (every slot is filled by then).
std::string withArticles(const std::string &s)
{
    std::string out;
    out.reserve(s.size() + 8);
    for (std::size_t i = 0; i < s.size(); ++i) {
        out += s[i];
        const bool wordA = (s[i] == 'a' || s[i] == 'A') && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '"');
        if (wordA && i + 2 < s.size() && s[i + 1] == ' ' && std::strchr("aeiouAEIOU", s[i + 2]))
            out += 'n';
    }
    return out;
}

// The story under construction: sentences go into paragraphs.
class Writer {
public:
    explicit Writer(Vars &vars) : m_vars(vars) {}
    Vars &vars() { return m_vars; }

    // Appends one sentence, filling "{key}" slots.
    void say(const char *tmpl)
    {
        std::string s;
        for (const char *p = tmpl; *p; ++p) {
            if (*p == '{') {
                const char *end = std::strchr(p, '}');
                if (end) {
                    if (const std::string *v = m_vars.find(p + 1, std::size_t(end - p - 1))) {
                        s += *v;
                        p = end;
                        continue;
                    }
                }
            }
            s += *p;
        }
        s = withArticles(capitalized(std::move(s)));
        if (!m_paragraph.empty())
            m_paragraph += ' ';
        m_paragraph += s;
    }
    void paragraph()
    {
        if (m_paragraph.empty())
            return;
        if (!m_text.empty())
            m_text += '\n';
        m_text += m_paragraph;
        m_paragraph.clear();
    }
    std::string finish()
    {
        paragraph();
        return std::move(m_text);
    }

private:
    Vars &m_vars;
    std::string m_text;
    std::string m_paragraph;
};

struct Character {
    std::string name;
    std::string kind;
    const Kind *facts = nullptr;
    bool female = false;
};

void setCharacter(Vars &v, const char *prefix, const Character &c)
{
    const std::string p(prefix);
    // Keys live as long as the story: store them in static tables per prefix.
    struct Keys {
        std::string name, kind, he, He, him, his, His, himself, sound, home, food, move;
    };
    static const Keys mainKeys{"N", "kind", "he", "He", "him", "his", "His", "himself", "sound", "khome", "kfood", "move"};
    static const Keys friendKeys{"F", "fkind", "fhe", "FHe", "fhim", "fhis", "FHis", "fhimself", "fsound", "fhome", "ffood", "fmove"};
    const Keys &k = (p == "main") ? mainKeys : friendKeys;
    v.set(k.name.c_str(), c.name);
    v.set(k.kind.c_str(), c.kind);
    v.set(k.he.c_str(), c.female ? "she" : "he");
    v.set(k.He.c_str(), c.female ? "She" : "He");
    v.set(k.him.c_str(), c.female ? "her" : "him");
    v.set(k.his.c_str(), c.female ? "her" : "his");
    v.set(k.His.c_str(), c.female ? "Her" : "His");
    v.set(k.himself.c_str(), c.female ? "herself" : "himself");
    v.set(k.sound.c_str(), c.facts->sound);
    v.set(k.home.c_str(), c.facts->home);
    v.set(k.food.c_str(), c.facts->food);
    v.set(k.move.c_str(), c.facts->move);
}

Character makeCharacter(Rng &rng, const char *avoidName)
{
    Character c;
    for (;;) {
        const Name &n = pickFrom(rng, kNames);
        if (avoidName && c.name.empty() && std::strcmp(n.name, avoidName) == 0)
            continue;
        c.name = n.name;
        c.female = n.female;
        break;
    }
    c.facts = &pickFrom(rng, kKinds);
    if (c.facts == &kKinds[0] || c.facts == &kKinds[1])
        c.facts = c.female ? &kKinds[0] : &kKinds[1];
    c.kind = c.facts->name;
    return c;
}

void opening(Rng &rng, Writer &w)
{
    switch (rng.below(7)) {
    case 0: w.say("Once upon a time, there was a {trait} {kind} named {N}."); break;
    case 1: w.say("There once was a {trait} {kind} called {N}."); break;
    case 2: w.say("{N} was a {trait} {kind} who lived near {home}."); break;
    case 3: w.say("Once there was a {kind} named {N}. {He} was very {trait}."); break;
    case 4: w.say("In a small town, there lived a {trait} {kind}. {His} name was {N}."); break;
    case 5: w.say("{N} the {kind} lived in a little house near {home}."); break;
    default: w.say("Long ago, a {trait} {kind} named {N} lived by {home}."); break;
    }
    switch (rng.below(8)) {
    case 0: w.say("{He} loved to {hobby}."); break;
    case 1: w.say("{His} favorite thing was {his} {color} {obj}."); break;
    case 2: w.say("Every day, {N} liked to {hobby} with {his} friend {F}."); break;
    case 3: w.say("{He} had a {color} {obj} that {he} took everywhere."); break;
    case 4: w.say("{N} liked to {hobby}, but {he} also liked to {hobby2}."); break;
    case 5: w.say("{He} had many friends, but {his} best friend was {F}."); break;
    case 6: w.say("{He} lived in {khome} and loved to eat {kfood}."); break;
    default: w.say("When {N} was happy, {he} {move} all around and said {sound}."); break;
    }
}

void dialogue(Writer &w, const char *who, const char *line)
{
    // "Let us go," said Tom. / "Where is it?" said Tom.
    std::string spoken(line);
    if (!spoken.empty() && spoken.back() == '.')
        spoken.back() = ',';
    std::string t = std::string("\"") + spoken + "\" said " + who + ".";
    w.say(t.c_str());
}

void plotLostObject(Rng &rng, Writer &w)
{
    w.say(pick(rng, {"{time}, {N} went to {place} with {his} {color} {obj}.",
                     "{time}, {N} took {his} {color} {obj} to {place}.",
                     "{time}, {N} and {F} played with the {color} {obj} at {place}."}));
    w.say(pick(rng, {"{He} played and played until the sun was low.",
                     "They had lots of fun.", "{He} ran and laughed all afternoon."}));
    w.say(pick(rng, {"When it was time to go home, the {obj} was gone!",
                     "Then {N} looked down. {His} {obj} was not there!",
                     "But when {he} turned around, {he} could not find {his} {obj}."}));
    w.say("{N} felt {bad}.");
    w.paragraph();
    dialogue(w, "{N}", pick(rng, {"Where is my {obj}?", "Oh no, I lost my {obj}!", "I need my {obj}. Can you help me?"}));
    w.say(pick(rng, {"{F} came over to help.", "{G} heard {him} and came to help.", "{F} the {fkind} wanted to help {him}."}));
    w.say(pick(rng, {"They looked {spot2}, but it was not there.", "First they looked {spot2}. Nothing.",
                     "They searched {spot2} and found only an old {obj2}."}));
    w.say(pick(rng, {"Then {N} saw something {color} {spot}.", "At last, {F} pointed {spot}.",
                     "Then {N} had an idea. {He} looked {spot}."}));
    w.say(pick(rng, {"It was the {obj}!", "There it was, {his} {color} {obj}!", "{He} found it!"}));
    w.paragraph();
    dialogue(w, "{N}", pick(rng, {"Thank you for helping me!", "Yay! I found it!", "You are a good friend."}));
    w.say(pick(rng, {"{N} hugged {his} {obj} and smiled.", "{N} held the {obj} tight all the way home.",
                     "From then on, {N} always kept {his} {obj} close."}));
}

void plotNewFriend(Rng &rng, Writer &w)
{
    w.say(pick(rng, {"{time}, {N} went to {place}.", "{time}, {N} walked to {place} to {hobby}.",
                     "{time}, {G} took {N} to {place}."}));
    w.say(pick(rng, {"There {he} saw a {ftrait} {fkind} sitting alone.", "{He} saw a {fkind} {he} did not know.",
                     "Near {spot}, there was a {fkind} who looked {bad}."}));
    w.say("The {fkind} was named {F}.");
    w.paragraph();
    dialogue(w, "{N}", pick(rng, {"Hello! Do you want to play with me?", "Hi, I am {N}. What is your name?",
                                  "Why are you sad? Do you want to be my friend?"}));
    dialogue(w, "{F}", pick(rng, {"I am {F}. I am new here and I have no friends.", "Yes, please! I would like that.",
                                  "I do not know anyone here."}));
    w.say(pick(rng, {"{N} smiled and took {F} by the hand.", "{N} gave {F} {his} {obj} to play with.",
                     "{N} showed {F} how to {hobby}."}));
    w.say("They played {game} until the sun went down.");
    w.paragraph();
    w.say(pick(rng, {"{F} was not {bad} anymore.", "{FHe} laughed and laughed.", "{F} felt {good} for the first time in a long time."}));
    w.say(pick(rng, {"From that day on, {N} and {F} were best friends.",
                     "Every day after that, {N} and {F} played together at {place}.",
                     "{N} learned that a kind word can make a new friend."}));
}

void plotFear(Rng &rng, Writer &w)
{
    w.say("But {N} was scared of {fear}.");
    w.say(pick(rng, {"Whenever {he} thought about it, {his} tummy felt funny.", "{He} did not like to talk about it.",
                     "It made {him} want to hide {spot}."}));
    w.say(pick(rng, {"{time}, {G} said they would go near {fear}.", "{time}, {N} had to face {fear}.",
                     "{time}, {F} asked {N} to come and see {fear}."}));
    w.paragraph();
    dialogue(w, "{N}", pick(rng, {"I am too scared.", "I do not want to go.", "What if something bad happens?"}));
    dialogue(w, "{G}", pick(rng, {"It is okay to be scared. I will stay with you.", "You are braver than you think, {N}.",
                                  "Let us try together, one small step at a time."}));
    w.say(pick(rng, {"{N} took a deep breath.", "{N} held {G}'s hand tight.", "{N} counted to three."}));
    w.say(pick(rng, {"{He} took one small step, then another.", "{He} looked, and it was not so bad after all.",
                     "Slowly, {he} went closer."}));
    w.paragraph();
    w.say(pick(rng, {"Soon {N} was not scared at all.", "{N} laughed. It was not scary anymore.",
                     "{N} felt very {good}."}));
    dialogue(w, "{G}", pick(rng, {"I am so proud of you, {N}!", "You did it!", "See? You were brave."}));
    w.say(pick(rng, {"{N} learned that being brave means trying even when you are scared.",
                     "After that day, {N} was never scared of {fear} again.",
                     "That night, {N} told {his} {obj} all about being brave."}));
}

void plotSharing(Rng &rng, Writer &w)
{
    w.say(pick(rng, {"{time}, {N} had {food}.", "{time}, {G} gave {N} {food}.", "{time}, {N} found {food} in the kitchen."}));
    w.say(pick(rng, {"{He} wanted to eat it all by {himself}.", "It looked so good.", "{N} was very hungry."}));
    w.say(pick(rng, {"Then {F} came by and saw it.", "Just then, {F} the {fkind} walked in.", "{F} came to play."}));
    w.paragraph();
    dialogue(w, "{F}", pick(rng, {"Can I have some, please?", "That looks yummy. May I try it?", "I am hungry too."}));
    dialogue(w, "{N}", pick(rng, {"No, it is mine!", "But I want it all.", "I do not want to share."}));
    w.say(pick(rng, {"{F} felt {fbad} and looked away.", "{F} walked away {fbad}.", "{F} started to cry."}));
    w.say(pick(rng, {"{G} saw what happened.", "{N} looked at {F} and felt bad inside.", "{N} thought about it."}));
    w.paragraph();
    dialogue(w, "{G}", pick(rng, {"{N}, sharing makes everyone happy.", "How would you feel if {F} did not share with you?",
                                  "There is enough for two."}));
    w.say(pick(rng, {"{N} gave half to {F}.", "{N} shared {food} with {F}.", "{N} said sorry and shared with {F}."}));
    w.say(pick(rng, {"They ate together and laughed.", "{F} smiled a big smile.", "It tasted even better that way."}));
    w.say(pick(rng, {"{N} learned that sharing is caring.", "From then on, {N} always shared with {his} friends.",
                     "Now {N} and {F} share everything."}));
}

void plotHelping(Rng &rng, Writer &w)
{
    w.say(pick(rng, {"{time}, {N} was walking to {place}.", "{time}, {N} and {F} went to {place}.",
                     "{time}, {N} was playing near {place}."}));
    w.say("{He} heard a small sound.");
    w.say("It was {creature} {trouble}.");
    w.paragraph();
    dialogue(w, "{N}", pick(rng, {"Poor little thing! I will help you.", "Do not worry. I am here.", "We have to help it!"}));
    w.say(pick(rng, {"{N} thought hard about what to do.", "{N} was small, but {he} had an idea.",
                     "{N} ran to get {G}."}));
    w.say(pick(rng, {"{He} used {his} {obj} to reach it.", "{He} moved very slowly so {he} would not scare it.",
                     "{G} and {N} worked together."}));
    w.say(pick(rng, {"At last, the animal was safe.", "Soon it was free.", "It took a long time, but they did it."}));
    w.paragraph();
    w.say(pick(rng, {"It looked up at {N} and made a happy sound.", "It nuzzled {N}'s hand.",
                     "It flew in a circle around {N}, as if to say thank you."}));
    w.say("{N} felt {good}.");
    w.say(pick(rng, {"Helping others made {his} heart warm.", "{He} told {F} all about it that night.",
                     "Every day after that, the little animal came to visit {N}."}));
}

void plotAdventure(Rng &rng, Writer &w)
{
    w.say(pick(rng, {"{time}, {N} and {F} found an old map {spot}.", "{time}, {N} said, \"Let us go on an adventure!\"",
                     "{time}, {N} and {F} decided to explore {place}."}));
    w.say(pick(rng, {"They packed {food} and a {obj}.", "{N} took {his} {color} {obj}, just in case.",
                     "{F} brought {food} for the trip."}));
    w.say("They walked past {place2} and over {place3}.");
    w.paragraph();
    w.say(pick(rng, {"The path was long and the sun was hot.", "Soon the woods got dark and quiet.",
                     "A big wind began to blow."}));
    dialogue(w, "{F}", pick(rng, {"Maybe we should go back.", "I am tired, {N}.", "Are we lost?"}));
    dialogue(w, "{N}", pick(rng, {"Just a little more. I think we are close!", "Do not worry. I remember the way.",
                                  "Look, there is something {color} over there!"}));
    w.say(pick(rng, {"Behind a big rock, they found a {color} box.", "At the end of the path was a little door in a tree.",
                     "On the hilltop they found a nest full of {color} eggs."}));
    w.say(pick(rng, {"Inside were many shiny stones.", "A friendly owl lived there and said hello.",
                     "It was the most beautiful thing they had ever seen."}));
    w.paragraph();
    w.say(pick(rng, {"They went home before dark and told {G} everything.",
                     "When they got home, {G} made them {food}.",
                     "On the way home, {N} held {F}'s hand."}));
    w.say(pick(rng, {"It was the best adventure ever.", "{N} could not wait for the next adventure.",
                     "{N} and {F} fell asleep dreaming of {place}."}));
}

void plotMaking(Rng &rng, Writer &w)
{
    w.say(pick(rng, {"{time}, {N} wanted to make {thing} for {G}.", "{time}, {N} decided to make {thing}.",
                     "{time}, it was {G}'s birthday, and {N} wanted to make {thing}."}));
    w.say(pick(rng, {"{He} got everything {he} needed.", "{F} came to help.", "{He} worked very hard."}));
    w.say(pick(rng, {"But then, oops! It fell down.", "But {his} {obj} bumped it, and it broke.",
                     "But it did not look right at all."}));
    w.say("{N} felt {bad}.");
    w.paragraph();
    dialogue(w, "{N}", pick(rng, {"It is ruined!", "I can not do it.", "Now I have nothing for {G}."}));
    dialogue(w, "{F}", pick(rng, {"Do not give up! Let us try again.", "We can fix it together.",
                                  "It does not have to be perfect."}));
    w.say(pick(rng, {"So they tried again, slowly and carefully.", "They fixed it piece by piece.",
                     "This time {N} took {his} time."}));
    w.say(pick(rng, {"It was even better than before.", "It was {color} and lovely.", "At last it was done."}));
    w.paragraph();
    w.say(pick(rng, {"{N} gave it to {G}.", "{N} showed it to {G}."}));
    dialogue(w, "{G}", pick(rng, {"I love it, {N}! Thank you!", "This is the best gift ever.", "You made this all by yourself?"}));
    w.say(pick(rng, {"{N} felt {good}.", "{N} learned that trying again is how you get better.",
                     "{N} smiled from ear to ear."}));
}

void plotRainyDay(Rng &rng, Writer &w)
{
    w.say(pick(rng, {"{time}, {N} and {F} wanted to go to {place}.", "{time}, {G} promised to take {N} to {place}."}));
    w.say(pick(rng, {"But then it began to rain.", "But big gray clouds came, and rain fell hard.",
                     "But a storm came, and the wind was too strong."}));
    dialogue(w, "{N}", pick(rng, {"Now we can not go!", "This is the worst day ever.", "I wanted to go so much."}));
    w.paragraph();
    w.say(pick(rng, {"{G} had an idea.", "{F} had an idea.", "{N} looked around the room."}));
    dialogue(w, "{G}", pick(rng, {"Let us make a fort with blankets!", "Why not bring {place} inside?",
                                  "We can bake {food} instead."}));
    w.say(pick(rng, {"They built a big fort and read books inside.", "They played {game} in the living room.",
                     "They made {food} and the house smelled sweet."}));
    w.say(pick(rng, {"The rain tapped on the window.", "Outside, the rain kept falling.", "They forgot all about the rain."}));
    w.paragraph();
    w.say(pick(rng, {"When the rain stopped, they saw a rainbow.", "By evening, the sun came out again.",
                     "That night, {N} said it was the best rainy day ever."}));
    w.say(pick(rng, {"{N} learned that a bad day can turn into a good one.", "{N} and {F} jumped in the puddles.",
                     "{N} hugged {G} and said thank you."}));
}

void plotLesson(Rng &rng, Writer &w)
{
    w.say(pick(rng, {"{G} told {N}, \"Do not go to {place} alone.\"", "{G} said, \"Do not play with the {obj} in the house.\"",
                     "{G} said, \"Please do not eat the {food2} before dinner.\""}));
    w.say(pick(rng, {"But {N} did not listen.", "{N} nodded, but {he} forgot.", "{N} wanted to do it anyway."}));
    w.say(pick(rng, {"{time}, when no one was looking, {he} did it.", "Soon {he} did it anyway.",
                     "{He} thought, \"Just this once.\""}));
    w.paragraph();
    w.say(pick(rng, {"Oh no! Something broke with a loud crash.", "Then {N} got lost and could not find the way home.",
                     "Soon {his} tummy hurt very much.", "{He} slipped and fell in the mud."}));
    w.say("{N} felt {bad}.");
    dialogue(w, "{N}", pick(rng, {"I am sorry, {G}. I should have listened.", "I did not mean to.", "Help! {G}, where are you?"}));
    w.paragraph();
    w.say(pick(rng, {"{G} gave {N} a big hug.", "{G} came quickly.", "{G} was not angry."}));
    dialogue(w, "{G}", pick(rng, {"I am glad you are safe. Rules help keep you safe.", "Everyone makes mistakes. What did you learn?",
                                  "Next time, please listen."}));
    w.say(pick(rng, {"{N} learned that it is important to listen.", "After that, {N} always listened to {G}.",
                     "{N} never did it again."}));
}

const char *const kNumbers[] = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                                "eleven", "twelve"};
const char *const kCountables[][2] = {{"apple", "apples"}, {"shell", "shells"}, {"marble", "marbles"},
                                      {"sticker", "stickers"}, {"cookie", "cookies"}, {"balloon", "balloons"},
                                      {"flower", "flowers"}, {"stone", "stones"}, {"crayon", "crayons"},
                                      {"button", "buttons"}, {"acorn", "acorns"}, {"cherry", "cherries"},
                                      {"feather", "feathers"}, {"star", "stars"}};

// Keeps a count straight across sentences: had n, gave k, found m, how many now.
void plotCounting(Rng &rng, Writer &w)
{
    const auto &things = pickFrom(rng, kCountables);
    int mine = 2 + rng.below(7);
    int theirs = rng.below(3);
    Vars &v = w.vars();
    v.set("things", things[1]);
    v.set("n", kNumbers[mine]);
    v.set("fn", kNumbers[theirs]);
    w.say(pick(rng, {"{time}, {N} had {n} {things}.", "{time}, {N} counted {his} {things}. {He} had {n}.",
                     "{time}, {G} gave {N} {n} {things}."}));
    w.say(theirs == 0 ? "{F} had no {things} at all." : "{F} had {fn}.");
    w.paragraph();
    const int steps = 1 + rng.below(3);
    for (int i = 0; i < steps; ++i) {
        const int kind = rng.below(3);
        if (kind == 0 && mine > 1) {
            const int k = 1 + rng.below(mine - 1);
            mine -= k;
            theirs += k;
            v.set("k", kNumbers[k]);
            w.say(pick(rng, {"{N} gave {k} to {F}.", "{N} shared {k} of {his} {things} with {F}."}));
        } else if (kind == 1 && theirs + mine < 12) {
            const int k = 1 + rng.below(std::min(3, 12 - theirs - mine));
            mine += k;
            v.set("k", kNumbers[k]);
            v.set("spot", pickFrom(rng, kSpots));
            w.say(pick(rng, {"Then {N} found {k} more {spot}.", "{G} gave {N} {k} more."}));
        } else if (theirs > 0) {
            const int k = 1 + rng.below(theirs);
            theirs -= k;
            mine += k;
            v.set("k", kNumbers[k]);
            w.say("{F} gave {k} back to {N}.");
        } else {
            continue;
        }
        v.set("n", kNumbers[mine]);
        v.set("fn", kNumbers[theirs]);
        v.set("nthings", things[mine == 1 ? 0 : 1]);
        w.say(pick(rng, {"Now {N} had {n}, and {F} had {fn}.", "Now {N} had {n} {nthings}.", "{N} counted again: {n}."}));
    }
    w.paragraph();
    dialogue(w, "{F}", pick(rng, {"How many do you have now?", "Let us count them together."}));
    v.set("total", kNumbers[mine + theirs]);
    dialogue(w, "{N}", "I have {n}, and you have {fn}. That makes {total}!");
    w.say(pick(rng, {"They laughed and put all {total} {things} in a row.", "{N} and {F} were happy to count together."}));
}

// A visit among animals: what each one says, where it lives and what it eats hold across the
// whole corpus.
void plotVisit(Rng &rng, Writer &w)
{
    Vars &v = w.vars();
    w.say(pick(rng, {"{time}, {G} took {N} and {F} to {zoo}.", "{time}, {N} went to {zoo} with {G}."}));
    w.say("There were so many animals!");
    const int count = 2 + rng.below(3);
    int last = -1;
    for (int i = 0; i < count; ++i) {
        int k;
        do {
            k = 2 + rng.below(int(std::size(kKinds)) - 2); // animals only
        } while (k == last);
        last = k;
        const Kind &a = kKinds[k];
        v.set("a", a.name);
        v.set("asound", a.sound);
        v.set("ahome", a.home);
        v.set("afood", a.food);
        v.set("amove", a.move);
        w.paragraph();
        w.say(pick(rng, {"First they saw a {a}.", "Next they saw a {a}.", "Then a {a} came close.", "Near the fence was a {a}."}));
        switch (rng.below(4)) {
        case 0: w.say("The {a} said {asound}."); break;
        case 1: w.say("The {a} lived in {ahome}."); break;
        case 2: w.say("The {a} was eating {afood}."); break;
        default: w.say("The {a} {amove} away."); break;
        }
        if (rng.chance(50)) {
            dialogue(w, "{G}", pick(rng, {"Do you know what a {a} eats? It eats {afood}.", "A {a} sleeps in {ahome}.",
                                          "Listen! A {a} says {asound}."}));
        }
    }
    w.paragraph();
    v.set("a", kKinds[last].name);
    w.say(pick(rng, {"{N} liked the {a} best.", "{F} liked the {a} best, but {N} liked all of them."}));
    dialogue(w, "{N}", pick(rng, {"Can we come back tomorrow?", "That was the best day ever!", "I want to be a {a} when I grow up!"}));
}

void ending(Rng &rng, Writer &w)
{
    if (rng.chance(40))
        return;
    w.say(pick(rng, {"The end.", "{N} went to bed with a big smile.", "And {N} lived happily ever after.",
                     "It was a day {N} would always remember.", "{N} and {F} could not wait for tomorrow."}));
}

} // namespace

std::string StoryGenerator::story(std::uint64_t seed, std::int64_t index)
{
    Rng seeder(seed ^ 0xA0761D6478BD642Full);
    Rng rng(seeder.next() + 0x9E3779B97F4A7C15ull * std::uint64_t(index + 1));
    rng.next();

    const Character main = makeCharacter(rng, nullptr);
    const Character friendChar = makeCharacter(rng, main.name.c_str());
    const auto &grown = pickFrom(rng, kGrownups);

    Vars v;
    setCharacter(v, "main", main);
    setCharacter(v, "friend", friendChar);
    v.set("G", grown[0]);
    v.set("trait", pickFrom(rng, kTraits));
    v.set("ftrait", pickFrom(rng, kTraits));
    v.set("color", pickFrom(rng, kColors));
    v.set("obj", pickFrom(rng, kObjects));
    v.set("obj2", pickFrom(rng, kObjects));
    v.set("home", pickFrom(rng, kPlaces));
    v.set("place", pickFrom(rng, kPlaces));
    v.set("place2", pickFrom(rng, kPlaces));
    v.set("place3", pickFrom(rng, kPlaces));
    v.set("spot", pickFrom(rng, kSpots));
    v.set("spot2", pickFrom(rng, kSpots));
    v.set("game", pickFrom(rng, kGames));
    v.set("hobby", pickFrom(rng, kHobbies));
    v.set("hobby2", pickFrom(rng, kHobbies));
    v.set("food", pickFrom(rng, kFoods));
    std::string food2 = pickFrom(rng, kFoods);
    for (const char *article : {"a ", "an ", "some "})
        if (food2.rfind(article, 0) == 0)
            food2 = food2.substr(std::strlen(article));
    v.set("food2", food2);
    v.set("time", pickFrom(rng, kTimes));
    v.set("good", pickFrom(rng, kFeelingsGood));
    v.set("bad", pickFrom(rng, kFeelingsBad));
    v.set("fbad", pickFrom(rng, kFeelingsBad));
    v.set("fear", pickFrom(rng, kFears));
    v.set("thing", pickFrom(rng, kThingsToMake));
    v.set("creature", pickFrom(rng, kCreatures));
    v.set("trouble", pickFrom(rng, kTroubles));
    v.set("zoo", pick(rng, {"the zoo", "the farm", "the animal park", "the forest", "the pond"}));

    Writer w(v);
    opening(rng, w);
    w.paragraph();
    using Plot = void (*)(Rng &, Writer &);
    static const Plot plots[] = {plotLostObject, plotNewFriend, plotFear, plotSharing, plotHelping,
                                 plotAdventure, plotMaking, plotRainyDay, plotLesson, plotCounting, plotVisit};
    plots[rng.below(int(std::size(plots)))](rng, w);
    // Now and then a second episode with the same characters.
    if (rng.chance(20)) {
        w.paragraph();
        v.set("time", pickFrom(rng, kTimes));
        v.set("place", pickFrom(rng, kPlaces));
        v.set("obj", pickFrom(rng, kObjects));
        v.set("spot", pickFrom(rng, kSpots));
        v.set("bad", pickFrom(rng, kFeelingsBad));
        v.set("good", pickFrom(rng, kFeelingsGood));
        plots[rng.below(int(std::size(plots)))](rng, w);
    }
    ending(rng, w);
    return w.finish();
}

QString StoryGenerator::describe()
{
    return QStringLiteral("flops-fit built-in stories v2");
}

} // namespace flopsfit
