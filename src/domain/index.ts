/**
 * The demo application: its content types and its generic relation, one
 * line each. Add yours here (docs/extending.md); the registry, the ORM, the
 * schema and the integrity SQL take them from this list.
 */
export { Article } from './article/article.entity.js';
export { Book } from './book/book.entity.js';
export { Place } from './place/place.entity.js';
export { Product } from './product/product.entity.js';
export { Reaction } from './reaction/reaction.entity.js';
export { Video } from './video/video.entity.js';
