import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { Article } from './article/article.entity.js';
import { Book } from './book/book.entity.js';
import { Product } from './product/product.entity.js';
import { Video } from './video/video.entity.js';

export { Article, Book, Product, Video };

/** The demo content types. A new type is one entity file plus one line here. */
export const domainEntities = [Article, Book, Video, Product];

export function registerDomain(registry: ContentTypeRegistry): void {
  registry.register(Article, { appLabel: 'blog', repr: (a) => a.title });
  registry.register(Book, { appLabel: 'library', repr: (b) => `${b.title} (${b.authorName})` });
  registry.register(Video, { appLabel: 'media', repr: (v) => v.title });
  registry.register(Product, { appLabel: 'shop', repr: (p) => `${p.name} [${p.sku}]` });
}
