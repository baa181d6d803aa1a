"""A captioning set drawn from a seed, in cs231n's coco_utils format, needing no download.

    shape_captions(num_train=2000, num_val=500, size=32, feature_dim=512, seed=0)
    decode_captions(captions, idx_to_word)

Each image is a noisy gray ground with one or two shapes (circle, square, triangle)
of one of four colours (red, green, blue, yellow), each in the left or the right
half. Its two captions say what is where, so a caption is right only if it reads
the image: the colours, the shapes, their count and their sides:

    one shape          "a red circle on the left"       "there is a red circle on the left"
    two, different     "a red circle left of a blue square"   "a blue square right of a red circle"
    two, the same      "two red circles"                "two red circles side by side"

Features: a fixed random projection of the pixels, (image - 0.5).ravel() @ P, with
P (3*size*size, feature_dim) drawn once from np.random.default_rng(231) as
normal(0, 1 / (3*size*size)): a linear map that keeps distances (Johnson-Lindenstrauss),
standing in for cs231n's 512 PCA'd VGG fc7 features. It is the same for every seed,
so features of two sets drawn with different seeds are comparable.

Returns a dict in coco_utils' layout:
    train_captions (M, 17) int32: <START> words <END> then <NULL> padding
    train_image_idxs (M,) int32: the image each caption describes (two per image)
    train_features (num_train, feature_dim) float32
    train_images (num_train, 3, size, size) float32 in [0, 1] (coco_utils has urls)
    val_* the same; idx_to_word (list) and word_to_idx (dict), <NULL> = 0,
    <START> = 1, <END> = 2, <UNK> = 3.
The same arguments give the same arrays.
"""
import numpy as np
from matplotlib.colors import to_rgb

from data._splits import check_count
from data.color_shapes import shape_mask

SPECIAL = ("<NULL>", "<START>", "<END>", "<UNK>")
COLORS = ("red", "green", "blue", "yellow")
SHAPES = ("circle", "square", "triangle")
SIDES = ("left", "right")
WORDS = ("a", "two", "there", "is", "on", "the", "of", "side", "by", *SIDES, *COLORS,
         *SHAPES, *(shape + "s" for shape in SHAPES))
MAX_LENGTH = 17  # <START>, at most 8 words, <END>, padding: cs231n's captions are 17 wide
PROJECTION_SEED = 231


def shape_captions(num_train=2000, num_val=500, size=32, feature_dim=512, seed=0):
    """The train and val splits in coco_utils' dict layout (see the module docstring)."""
    num_train = check_count("shape_captions", "num_train", num_train, low=1)
    num_val = check_count("shape_captions", "num_val", num_val, low=1)
    size = check_count("shape_captions", "size", size, low=16)
    feature_dim = check_count("shape_captions", "feature_dim", feature_dim, low=1)
    idx_to_word = list(SPECIAL + WORDS)
    word_to_idx = {word: i for i, word in enumerate(idx_to_word)}
    projection = random_projection(3 * size * size, feature_dim)
    rng = np.random.default_rng(seed)
    data = {"idx_to_word": idx_to_word, "word_to_idx": word_to_idx}
    for split, count in (("train", num_train), ("val", num_val)):
        images = np.empty((count, 3, size, size), dtype=np.float32)
        captions, image_idxs = [], []
        for i in range(count):
            objects = scene(rng)
            images[i] = draw_scene(objects, size, rng)
            for caption in describe(objects):
                captions.append(encode_caption(caption, word_to_idx))
                image_idxs.append(i)
        data[f"{split}_captions"] = np.array(captions, dtype=np.int32)
        data[f"{split}_image_idxs"] = np.array(image_idxs, dtype=np.int32)
        data[f"{split}_features"] = image_features(images, projection)
        data[f"{split}_images"] = images
    return data


def random_projection(pixels, feature_dim):
    """The fixed (pixels, feature_dim) float32 map from pixels to features."""
    rng = np.random.default_rng(PROJECTION_SEED)
    return (rng.standard_normal((pixels, feature_dim)) / np.sqrt(pixels)).astype(np.float32)


def image_features(images, projection):
    """(N, feature_dim) float32 features of NCHW images in [0, 1]."""
    return (images.reshape(len(images), -1) - 0.5) @ projection


def scene(rng):
    """{side: (colour, shape)} for one image: one shape on a random side, or two, one per
    side, a quarter of the pairs alike so that "two circles" is seen often enough."""
    def thing():
        return COLORS[rng.integers(len(COLORS))], SHAPES[rng.integers(len(SHAPES))]
    if rng.random() < 0.4:
        return {SIDES[rng.integers(2)]: thing()}
    left = thing()
    return {"left": left, "right": left if rng.random() < 0.25 else thing()}


def describe(objects):
    """The two captions (strings) of a scene."""
    if len(objects) == 1:
        (side, (colour, shape)), = objects.items()
        return [f"a {colour} {shape} on the {side}", f"there is a {colour} {shape} on the {side}"]
    (lc, ls), (rc, rs) = objects["left"], objects["right"]
    if (lc, ls) == (rc, rs):
        return [f"two {lc} {ls}s", f"two {lc} {ls}s side by side"]
    return [f"a {lc} {ls} left of a {rc} {rs}", f"a {rc} {rs} right of a {lc} {ls}"]


def draw_scene(objects, size, rng):
    """One (3, size, size) float32 image: each shape drawn inside its half."""
    image = np.full((size, size, 3), rng.uniform(0.3, 0.7))
    half = size // 2
    for side, (colour, shape) in objects.items():
        mask = np.zeros((size, size), dtype=bool)
        # shape_mask draws in a square as wide as the half; placed at a random height.
        local = shape_mask(shape, half, rng)
        top = rng.integers(0, size - half + 1)
        left = 0 if side == "left" else size - half
        mask[top:top + half, left:left + half] = local
        image[mask] = np.array(to_rgb(colour)) * rng.uniform(0.75, 1.0)
    image = image + 0.05 * rng.standard_normal(image.shape)
    return np.clip(image, 0, 1).transpose(2, 0, 1).astype(np.float32)


def encode_caption(caption, word_to_idx):
    """One row of MAX_LENGTH ids: <START>, the words (unknown ones as <UNK>), <END>, <NULL>s."""
    ids = [word_to_idx["<START>"]]
    ids += [word_to_idx.get(word, word_to_idx["<UNK>"]) for word in caption.split()]
    ids.append(word_to_idx["<END>"])
    if len(ids) > MAX_LENGTH:
        raise ValueError(f"encode_caption: {caption!r} has {len(ids) - 2} words, more than "
                         f"the {MAX_LENGTH - 2} a row holds")
    return ids + [word_to_idx["<NULL>"]] * (MAX_LENGTH - len(ids))


def decode_captions(captions, idx_to_word):
    """Ids to text as cs231n's decode_captions: each row's words up to <END>, without
    <NULL> and <START>; a (T,) row gives one string, (N, T) a list of N strings."""
    captions = np.asarray(captions)
    rows = captions[None] if captions.ndim == 1 else captions
    decoded = []
    for row in rows:
        words = []
        for i in row:
            word = idx_to_word[int(i)]
            if word == "<END>":
                break
            if word not in ("<NULL>", "<START>"):
                words.append(word)
        decoded.append(" ".join(words))
    return decoded[0] if captions.ndim == 1 else decoded
